"""URLs of the REST API, under /api/ (``moviematch.config.urls`` includes them)."""

from django.urls import URLPattern, URLResolver, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from moviematch.api import auth, ratings
from moviematch.api.fields import MovieIdConverter

app_name = "api"

register_converter(MovieIdConverter, "movie_id")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/guest/", auth.GuestCreateApi.as_view(), name="auth-guest"),
    path("auth/token/", auth.TokenCreateApi.as_view(), name="auth-token"),
    path("auth/signup/", auth.SignupApi.as_view(), name="auth-signup"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("me/convert/", auth.GuestConvertApi.as_view(), name="me-convert"),
    path("me/ratings/", ratings.RatingListApi.as_view(), name="rating-list"),
    path(
        "me/ratings/<movie_id:movie_id>/", ratings.RatingDetailApi.as_view(), name="rating-detail"
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
