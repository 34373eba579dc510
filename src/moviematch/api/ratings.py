"""The signed-in user's ratings. Only ``request.user``'s: no route takes a user id."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moviematch.api.authentication import request_user
from moviematch.api.exceptions import ApiError
from moviematch.api.fields import MOVIE_ID_PARAMETER, StarsField, movie_id_parse
from moviematch.api.pagination import PageInputSerializer, page, page_serializer
from moviematch.api.params import params_parse
from moviematch.api.schema import errors
from moviematch.api.serializers import MovieCardSerializer, card_context
from moviematch.ratings.selectors import rating_get, rating_list
from moviematch.ratings.services import rating_delete, rating_upsert


def _not_rated(movie_id: int) -> ApiError:
    return ApiError(status.HTTP_404_NOT_FOUND, f"You have not rated movie {movie_id}.", "not_found")


class RatingSerializer(serializers.Serializer[Any]):
    movie = MovieCardSerializer()
    stars = serializers.FloatField(help_text="0.5 to 5 in half steps.")
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField(help_text="When the stars were last set.")


class RatingListApi(APIView):
    """The user's ratings, a page at a time."""

    class InputSerializer(PageInputSerializer):
        order = serializers.ChoiceField(
            choices=["recent", "stars", "title"],
            default="recent",
            help_text="recent: last rated first; stars: most stars first; title: A to Z.",
        )

    OutputSerializer = page_serializer(RatingSerializer, "RatingPage", counted=True)

    @extend_schema(
        operation_id="me_ratings_list",
        tags=["me"],
        summary="My ratings",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        params = params_parse(request, self.InputSerializer)
        limit, offset = params["limit"], params["offset"]
        ratings = rating_list(user=request_user(request), order=params["order"])
        items = list(ratings[offset : offset + limit])
        body = page(request, items, limit=limit, offset=offset, count=ratings.count())
        context = card_context(request, [r.movie for r in items])
        return Response(self.OutputSerializer(body, context=context).data)


class RatingDetailApi(APIView):
    """The user's rating of one movie."""

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        stars = StarsField(help_text="0.5 to 5 in half steps.")

        class Meta:
            ref_name = "RatingInput"

    def _found(self, request: Request, rating: Any) -> Response:
        context = card_context(request, [rating.movie])
        return Response(RatingSerializer(rating, context=context).data)

    @extend_schema(
        operation_id="me_ratings_retrieve",
        tags=["me"],
        summary="My rating of a movie",
        parameters=[MOVIE_ID_PARAMETER],
        responses={200: RatingSerializer, **errors(400, 401, 404, s404="Not rated.")},
    )
    def get(self, request: Request, movie_id: str) -> Response:
        movie = movie_id_parse(movie_id)
        rating = rating_get(user=request_user(request), movie_id=movie)
        if rating is None:
            raise _not_rated(movie)
        return self._found(request, rating)

    @extend_schema(
        operation_id="me_ratings_update",
        tags=["me"],
        summary="Rate a movie",
        description="Sets the stars (creates or replaces the rating). The next "
        "recommendations take it into account, without retraining.",
        parameters=[MOVIE_ID_PARAMETER],
        request=InputSerializer,
        responses={
            200: RatingSerializer,
            **errors(
                400,
                401,
                403,
                s400="Stars not a half step from 0.5 to 5 (`fields.stars`), or no such "
                "catalogue movie (`fields.movie_id`).",
            ),
        },
    )
    def put(self, request: Request, movie_id: str) -> Response:
        movie = movie_id_parse(movie_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = rating_upsert(
            user=request_user(request), movie_id=movie, stars=data.validated_data["stars"]
        )
        return self._found(request, rating)

    @extend_schema(
        operation_id="me_ratings_destroy",
        tags=["me"],
        summary="Remove my rating of a movie",
        parameters=[MOVIE_ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Removed."),
            **errors(400, 401, 403, 404, s404="Not rated."),
        },
    )
    def delete(self, request: Request, movie_id: str) -> Response:
        movie = movie_id_parse(movie_id)
        if not rating_delete(user=request_user(request), movie_id=movie):
            raise _not_rated(movie)
        return Response(status=status.HTTP_204_NO_CONTENT)
