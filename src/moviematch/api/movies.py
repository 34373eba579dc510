"""The catalogue over the API: search, a movie's page, similar movies. Open to everyone."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moviematch.api.authentication import request_user
from moviematch.api.catalogue import movie_page
from moviematch.api.fields import MOVIE_ID_PARAMETER, movie_id_parse
from moviematch.api.pagination import PageInputSerializer, page, page_serializer
from moviematch.api.params import params_parse
from moviematch.api.schema import errors
from moviematch.api.serializers import MovieCardSerializer, card_context, language
from moviematch.catalog.selectors import movie_credits, movie_get, movie_top_tags
from moviematch.ratings.selectors import rating_get
from moviematch.recommendations.errors import ModelUnavailableError
from moviematch.recommendations.services import movie_predicted_stars, movie_similar_list

TOP_TAGS = 10


class MovieListApi(APIView):
    """Catalogue movies: best matches first, or most rated first without a search."""

    permission_classes = (AllowAny,)

    class InputSerializer(PageInputSerializer):
        search = serializers.CharField(
            required=False,
            default="",
            allow_blank=True,
            max_length=200,
            help_text="Title words, in any case, with or without accents, and a year "
            '("amelie", "matrix, the", "alien 1979"); Korean titles too. Empty lists the '
            "catalogue, most rated first.",
        )

    OutputSerializer = page_serializer(MovieCardSerializer, "MoviePage", counted=False)

    @extend_schema(
        operation_id="movies_list",
        tags=["movies"],
        summary="Search the catalogue",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        params = params_parse(request, self.InputSerializer)
        limit, offset = params["limit"], params["offset"]
        movies = movie_page(
            query=params["search"], limit=limit + 1, offset=offset, language=language(request)
        )
        body = page(request, movies, limit=limit, offset=offset)
        return Response(self.OutputSerializer(body, context=card_context(request, movies)).data)


class PersonSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(source="person.name")
    imdb_id = serializers.CharField(source="person.imdb_id", help_text="IMDb `nm…` id.")


class MovieDetailApi(APIView):
    """Everything the movie page shows."""

    permission_classes = (AllowAny,)

    class OutputSerializer(MovieCardSerializer):
        movielens_title = serializers.CharField(source="title")
        english_title = serializers.CharField(help_text="From IMDb; may be empty.")
        runtime_minutes = serializers.IntegerField(allow_null=True)
        overview = serializers.CharField(help_text="English, from TMDb; may be empty.")
        directors = serializers.SerializerMethodField()
        cast = serializers.SerializerMethodField(help_text="In billing order.")
        tags = serializers.SerializerMethodField(help_text="The tags most MovieLens users gave.")
        mean_rating = serializers.FloatField(allow_null=True, help_text="MovieLens average.")
        num_ratings = serializers.IntegerField(help_text="MovieLens ratings.")
        imdb_url = serializers.SerializerMethodField()
        tmdb_url = serializers.SerializerMethodField()
        in_catalogue = serializers.BooleanField(help_text="Rateable and recommendable.")
        user_stars = serializers.SerializerMethodField(
            help_text="The signed-in user's rating; null when unrated or anonymous."
        )
        predicted_stars = serializers.SerializerMethodField(
            help_text="The stars the model predicts for the signed-in user; null when "
            "anonymous, or when the model is unavailable or does not know the movie."
        )

        class Meta:
            ref_name = "MovieDetail"

        @extend_schema_field(PersonSerializer(many=True))
        def get_directors(self, movie: Any) -> Any:
            return PersonSerializer(self.context["credits"]["director"], many=True).data

        @extend_schema_field(PersonSerializer(many=True))
        def get_cast(self, movie: Any) -> Any:
            return PersonSerializer(self.context["credits"]["cast"], many=True).data

        def get_tags(self, movie: Any) -> list[str]:
            return list(self.context["tags"])

        def get_imdb_url(self, movie: Any) -> str | None:
            return f"https://www.imdb.com/title/{movie.imdb_id}/" if movie.imdb_id else None

        def get_tmdb_url(self, movie: Any) -> str | None:
            return f"https://www.themoviedb.org/movie/{movie.tmdb_id}" if movie.tmdb_id else None

        def get_user_stars(self, movie: Any) -> float | None:
            stars = self.context["user_stars"]
            return None if stars is None else float(stars)

        def get_predicted_stars(self, movie: Any) -> float | None:
            stars: float | None = self.context["predicted_stars"]
            return stars

    @extend_schema(
        operation_id="movies_retrieve",
        tags=["movies"],
        summary="A movie",
        parameters=[MOVIE_ID_PARAMETER],
        responses={200: OutputSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request, movie_id: str) -> Response:
        movie = movie_get(movie_id=movie_id_parse(movie_id))
        context = {
            **card_context(request, [movie]),
            **_personal(request, movie.pk),
            "credits": movie_credits(movie=movie),
            "tags": movie_top_tags(movie=movie, n=TOP_TAGS),
        }
        return Response(self.OutputSerializer(movie, context=context).data)


def _personal(request: Request, movie_id: int) -> dict[str, Any]:
    """The signed-in user's stars for the movie and the model's prediction (or None)."""
    if not request.user.is_authenticated:
        return {"user_stars": None, "predicted_stars": None}
    user = request_user(request)
    rating = rating_get(user=user, movie_id=movie_id)
    try:
        predicted = movie_predicted_stars(user=user, movie_ids=[movie_id]).get(movie_id)
    except ModelUnavailableError:  # the movie is still worth showing
        predicted = None
    return {"user_stars": None if rating is None else rating.stars, "predicted_stars": predicted}


class SimilarMovieSerializer(serializers.Serializer[Any]):
    movie = MovieCardSerializer()
    similarity = serializers.FloatField(help_text="Cosine of the two movies' features, ≤ 1.")


class MovieSimilarApi(APIView):
    """The engine's similar movies."""

    permission_classes = (AllowAny,)

    class InputSerializer(serializers.Serializer[dict[str, int]]):
        k = serializers.IntegerField(
            min_value=1, max_value=50, default=10, help_text="How many movies."
        )

    class OutputSerializer(serializers.Serializer[Any]):
        results = SimilarMovieSerializer(many=True)

        class Meta:
            ref_name = "SimilarMovies"

    @extend_schema(
        operation_id="movies_similar",
        tags=["movies"],
        summary="Movies similar to a movie",
        parameters=[MOVIE_ID_PARAMETER, InputSerializer],
        responses={
            200: OutputSerializer,
            **errors(400, 401, 404, 503, s404="Not a catalogue movie, or unknown to the model."),
        },
    )
    def get(self, request: Request, movie_id: str) -> Response:
        movie_id_value = movie_id_parse(movie_id)
        params = params_parse(request, self.InputSerializer)
        similar = movie_similar_list(movie_id=movie_id_value, k=params["k"])
        context = card_context(request, [s.movie for s in similar])
        return Response(self.OutputSerializer({"results": similar}, context=context).data)
