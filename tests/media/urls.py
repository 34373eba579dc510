"""URLconf for these tests: the TMDb app mounted at the root, as the site mounts it."""

from django.urls import include, path

urlpatterns = [path("", include("moviematch.media.urls"))]
