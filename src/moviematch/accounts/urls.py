"""URLs of the accounts app (included by ``moviematch.config.urls``)."""

from django.urls import URLPattern, URLResolver

app_name = "accounts"

urlpatterns: list[URLPattern | URLResolver] = []
