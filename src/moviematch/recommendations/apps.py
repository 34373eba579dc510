from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "moviematch.recommendations"
