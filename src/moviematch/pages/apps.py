from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that belong to no other app: landing, about, the language switch."""

    name = "moviematch.pages"
    verbose_name = "Pages"
