"""Root URL configuration: each app's pages, the REST API under /api/, the admin."""

from django.contrib import admin
from django.urls import include, path

from moviematch.pages.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("moviematch.api.urls")),
    path("", include("moviematch.pages.urls")),
    path("", include("moviematch.accounts.urls")),
    path("", include("moviematch.catalog.urls")),
    path("", include("moviematch.ratings.urls")),
    path("", include("moviematch.recommendations.urls")),
    path("", include("moviematch.media.urls")),
]
