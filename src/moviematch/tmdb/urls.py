"""URLs of the TMDb app; the root urlconf includes them with ``path("", include(...))``."""

from django.urls import path

from moviematch.tmdb import views

app_name = "tmdb"

urlpatterns = [
    path("posters/<int:movie_id>.svg", views.poster_placeholder, name="poster-placeholder"),
]
