from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (Django REST framework) over the same services as the pages."""

    name = "moviematch.api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # registers the schema extension of the API's session authentication
        from moviematch.api import schema  # noqa: F401
