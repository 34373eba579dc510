"""URLs of the ratings app (included by ``moviematch.config.urls``)."""

from django.urls import path

from moviematch.ratings import views

app_name = "ratings"

urlpatterns = [
    path("rate/", views.onboarding, name="onboarding"),
    path("rate/more/", views.onboarding_more, name="onboarding_more"),
    path("rate/skip/", views.onboarding_skip_view, name="skip"),
    path("ratings/<int:movie_id>/", views.rate, name="rate"),
    path("me/ratings/", views.my_ratings, name="my_ratings"),
]
