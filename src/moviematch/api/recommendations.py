"""What the engine proposes to the signed-in user: movies to rate first, then recommendations,
and why a movie is recommended to them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moviematch.api.authentication import request_user
from moviematch.api.fields import MOVIE_ID_MAX, MOVIE_ID_PARAMETER, movie_id_parse
from moviematch.api.params import params_parse
from moviematch.api.schema import errors
from moviematch.api.serializers import MovieCardSerializer, card_context
from moviematch.ratings.selectors import rating_count
from moviematch.recommendations.services import (
    home_feed,
    movie_explanation,
    onboarding_movies,
    onboarding_target,
)

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

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        n = serializers.IntegerField(
            min_value=1, max_value=100, default=40, help_text="Movies in all groups."
        )
        adventurous = serializers.FloatField(
            min_value=0.0,
            max_value=1.0,
            required=False,
            help_text="From familiar, well-known films (0) to less-known ones closer to the "
            "user's taste (1). Default: the user's setting on the site's home page (0.5 "
            "until they change it).",
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
        user = request_user(request)
        adventurous = params.get("adventurous", user.adventurous)
        feed = home_feed(user=user, n=params["n"], adventurous=adventurous)
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


class BecauseYouRatedSerializer(serializers.Serializer[Any]):
    movie = MovieCardSerializer()
    stars = serializers.FloatField(help_text="The user's own rating of it.")
    contribution = serializers.FloatField(
        help_text="Its share of the recommended movie's ranking score (> 0; larger pushed "
        "harder; only the order means anything)."
    )


class MovieExplanationApi(APIView):
    """Why a movie is recommended to the signed-in user."""

    class InputSerializer(serializers.Serializer[dict[str, int]]):
        k = serializers.IntegerField(
            min_value=1, max_value=10, default=3, help_text="At most this many rated movies."
        )

    class OutputSerializer(serializers.Serializer[Any]):
        movie = MovieCardSerializer()
        stars = serializers.FloatField(
            help_text="The stars the model predicts the user would give the movie."
        )
        because = BecauseYouRatedSerializer(
            many=True,
            help_text="The user's rated movies that pushed it up most, largest first. Empty "
            "when it is there for what everyone likes (popular, well-liked), not for "
            "anything the user rated.",
        )
        genres = serializers.ListField(
            child=serializers.CharField(),
            help_text="Its MovieLens genres shared with movies the user rated 4 stars or more.",
        )

        class Meta:
            ref_name = "MovieExplanation"

    @extend_schema(
        operation_id="movies_explanation",
        tags=["me"],
        summary="Why a movie is recommended to me",
        parameters=[MOVIE_ID_PARAMETER, InputSerializer],
        responses={
            200: OutputSerializer,
            **errors(400, 401, 404, 503, s404="Not a catalogue movie, or unknown to the model."),
        },
    )
    def get(self, request: Request, movie_id: str) -> Response:
        movie_id_value = movie_id_parse(movie_id)
        params = params_parse(request, self.InputSerializer)
        why = movie_explanation(user=request_user(request), movie_id=movie_id_value, k=params["k"])
        movies = [why.movie, *(b.movie for b in why.because)]
        return Response(self.OutputSerializer(why, context=card_context(request, movies)).data)
