"""URLs of the catalog app (included by ``moviematch.config.urls``)."""

from django.urls import URLPattern, URLResolver

app_name = "catalog"

urlpatterns: list[URLPattern | URLResolver] = []
