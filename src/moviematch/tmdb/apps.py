from django.apps import AppConfig


class TmdbConfig(AppConfig):
    name = "moviematch.tmdb"
    verbose_name = "TMDb cache"
