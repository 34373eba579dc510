"""URLs of the api app (included by ``moviematch.config.urls``)."""

from django.urls import URLPattern, URLResolver

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = []
