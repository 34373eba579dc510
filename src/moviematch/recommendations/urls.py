"""URLs of the recommendations app (included by ``moviematch.config.urls``)."""

from django.urls import URLPattern, URLResolver

app_name = "recommendations"

urlpatterns: list[URLPattern | URLResolver] = []
