"""URLs of the pages app (included by ``moviematch.config.urls``)."""

from django.urls import URLPattern, URLResolver

app_name = "pages"

urlpatterns: list[URLPattern | URLResolver] = []
