"""What the engine proposes to the signed-in user: movies to rate first, then recommendations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moviematch.api.authentication import request_user
from moviematch.api.fields import MOVIE_ID_MAX
from moviematch.api.params import params_parse
from moviematch.api.schema import errors
from moviematch.api.serializers import MovieCardSerializer, card_context
from moviematch.ratings.selectors import rating_count
from moviematch.recommendations.services import home_feed, onboarding_movies, onboarding_target

_RATED_COUNT_HELP = "Catalogue movies the user has rated."
_NEEDED_HELP = "Ratings the onboarding still asks for (0 once done)."


class RecommendedMovieSerializer(serializers.Serializer[Any]):
    movie = MovieCardSerializer()
    stars = serializers.FloatField(help_text="The stars the model predicts the user would give.")


class TasteGroupSerializer(serializers.Serializer[Any]):
    label = serializers.CharField(  # type: ignore[assignment]  # a declared field, popped
        help_text='English label: genres joined by " · ", or "More picks".'
    )
    genres = serializers.ListField(
        child=serializers.CharField(),
        help_text='The MovieLens genres the label names (to translate it); empty for "More picks".',
    )
    movies = RecommendedMovieSerializer(many=True, help_text="Best first.")


class RecommendationListApi(APIView):
    """Recommendations in labelled taste groups."""

    class InputSerializer(serializers.Serializer[dict[str, int]]):
        n = serializers.IntegerField(
            min_value=1, max_value=100, default=40, help_text="Movies in all groups."
        )

    class OutputSerializer(serializers.Serializer[Any]):
        rated_count = serializers.IntegerField(help_text=_RATED_COUNT_HELP)
        ratings_needed = serializers.IntegerField(help_text=_NEEDED_HELP)
        is_personal = serializers.BooleanField(
            help_text="False with no rating yet: the groups are then popular, well-liked films."
        )
        groups = TasteGroupSerializer(many=True, help_text="Best group first.")

        class Meta:
            ref_name = "Recommendations"

    @extend_schema(
        operation_id="me_recommendations",
        tags=["me"],
        summary="My recommendations",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400, 401, 503)},
    )
    def get(self, request: Request) -> Response:
        params = params_parse(request, self.InputSerializer)
        feed = home_feed(user=request_user(request), n=params["n"])
        movies = [r.movie for g in feed.groups for r in g.movies]
        return Response(self.OutputSerializer(feed, context=card_context(request, movies)).data)


#: At most this many ``skipped`` ids: the longest valid request (200 ten-digit ids and ``n``)
#: is about 3,900 bytes, inside the request line gunicorn reads (4,094 bytes; a longer one is
#: answered 414 by the server itself, before the API sees it).
SKIPPED_MAX = 200


class OnboardingApi(APIView):
    """Movies to ask the user to rate next."""

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        n = serializers.IntegerField(min_value=1, max_value=50, default=20, help_text="How many.")
        skipped = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MOVIE_ID_MAX),
            required=False,
            default=list,
            max_length=SKIPPED_MAX,
            help_text="Movies the user has not seen (repeat the parameter): never proposed "
            "again, and they steer the proposals.",
        )

    class OutputSerializer(serializers.Serializer[Any]):
        rated_count = serializers.IntegerField(help_text=_RATED_COUNT_HELP)
        ratings_needed = serializers.IntegerField(help_text=_NEEDED_HELP)
        movies = MovieCardSerializer(many=True, help_text="Likely seen, informative, diverse.")

        class Meta:
            ref_name = "Onboarding"

    @extend_schema(
        operation_id="onboarding",
        tags=["me"],
        summary="Movies to rate next",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400, 401, 503)},
    )
    def get(self, request: Request) -> Response:
        params = params_parse(request, self.InputSerializer)
        user = request_user(request)
        movies = onboarding_movies(user=user, n=params["n"], skipped=params["skipped"])
        rated = rating_count(user=user)
        body = {
            "rated_count": rated,
            "ratings_needed": max(0, onboarding_target() - rated),
            "movies": movies,
        }
        return Response(self.OutputSerializer(body, context=card_context(request, movies)).data)
