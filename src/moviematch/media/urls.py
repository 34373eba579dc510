"""URLs of the TMDb app; the root urlconf includes them with ``path("", include(...))``."""

from django.urls import path

from moviematch.media import views

app_name = "media"

urlpatterns = [
    path("posters/<int:movie_id>.svg", views.poster_placeholder, name="poster-placeholder"),
]
