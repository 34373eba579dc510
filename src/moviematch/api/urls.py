"""URLs of the REST API, under /api/ (``moviematch.config.urls`` includes them)."""

from django.urls import URLPattern, URLResolver, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from moviematch.api import auth, movies, ratings, recommendations
from moviematch.api.fields import MovieIdConverter

app_name = "api"

register_converter(MovieIdConverter, "movie_id")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/guest/", auth.GuestCreateApi.as_view(), name="auth-guest"),
    path("auth/token/", auth.TokenCreateApi.as_view(), name="auth-token"),
    path("auth/signup/", auth.SignupApi.as_view(), name="auth-signup"),
    path("movies/", movies.MovieListApi.as_view(), name="movie-list"),
    path("movies/<movie_id:movie_id>/", movies.MovieDetailApi.as_view(), name="movie-detail"),
    path(
        "movies/<movie_id:movie_id>/similar/",
        movies.MovieSimilarApi.as_view(),
        name="movie-similar",
    ),
    path(
        "movies/<movie_id:movie_id>/explanation/",
        recommendations.MovieExplanationApi.as_view(),
        name="movie-explanation",
    ),
    path("onboarding/", recommendations.OnboardingApi.as_view(), name="onboarding"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("me/convert/", auth.GuestConvertApi.as_view(), name="me-convert"),
    path("me/ratings/", ratings.RatingListApi.as_view(), name="rating-list"),
    path(
        "me/ratings/<movie_id:movie_id>/", ratings.RatingDetailApi.as_view(), name="rating-detail"
    ),
    path(
        "me/recommendations/",
        recommendations.RecommendationListApi.as_view(),
        name="recommendations",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger's start-up script as a file (?script): no inline script
    # under the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]
