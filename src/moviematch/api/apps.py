from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (Django REST framework) over the same services as the pages."""

    name = "moviematch.api"
    verbose_name = "REST API"
