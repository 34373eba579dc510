"""URLs of the recommendations app (included by ``moviematch.config.urls``)."""

from django.urls import path

from moviematch.recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("home/rows/", views.home_rows, name="home_rows"),
    path("home/next/", views.home_next, name="home_next"),
    path("movies/<int:movie_id>/similar/", views.similar, name="similar"),
]
