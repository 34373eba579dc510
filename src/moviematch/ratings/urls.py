"""URLs of the ratings app (included by ``moviematch.config.urls``)."""

from django.urls import URLPattern, URLResolver

app_name = "ratings"

urlpatterns: list[URLPattern | URLResolver] = []
