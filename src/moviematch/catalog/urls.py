"""URLs of the catalog app (included by ``moviematch.config.urls``)."""

from django.urls import path

from moviematch.catalog import views

app_name = "catalog"

urlpatterns = [
    path("movies/<int:movie_id>/", views.movie_detail, name="movie"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
]
