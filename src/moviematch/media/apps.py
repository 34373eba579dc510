from django.apps import AppConfig


class MediaConfig(AppConfig):
    """Posters and TMDb details: placeholders, the database cache of TMDb answers, prefetch."""

    name = "moviematch.media"
    verbose_name = "Posters and TMDb details"
