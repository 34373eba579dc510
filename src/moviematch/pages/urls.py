"""URLs of the pages app (included by ``moviematch.config.urls``)."""

from django.urls import path
from django.views.i18n import set_language

from moviematch.pages import views

app_name = "pages"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("about/", views.about, name="about"),
    # POST language=en|ko (and next=): remembered in a cookie, see LANGUAGE_COOKIE_AGE
    path("language/", set_language, name="language"),
]
