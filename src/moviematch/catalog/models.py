"""Catalogue schema: movies keyed by their MovieLens id, with genres, people, credits and tags.

Every fact is stored once: a movie's genres are rows of the ``Movie.genres`` link table, a tag
name exists once in ``Tag`` whatever its source (user tags and the tag genome share it), and
people are shared by all their credits. Uniqueness and value ranges are enforced by the
database (constraints below), not only by Python.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Genre(models.Model):
    """A MovieLens genre ("Comedy", "Sci-Fi", ...)."""

    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ExclusionReason(models.TextChoices):
    """Why a movie is left out of the recommendable catalogue (first failing rule wins)."""

    NOT_FILTERED = "not_filtered", "catalogue filter not run yet"
    FEW_RATINGS = "few_ratings", "too few MovieLens ratings"
    NO_IMDB = "no_imdb", "no IMDb link"
    NO_TMDB = "no_tmdb", "no TMDb link"
    NO_YEAR = "no_year", "no release year"


#: Movie ids are MovieLens ids, stored as positive 32-bit integers: a larger id names no movie.
MOVIE_ID_MAX = 2**31 - 1


class Movie(models.Model):
    """One movie. ``id`` is the MovieLens movieId so ratings, tags and the model share keys."""

    id = models.PositiveIntegerField(primary_key=True, help_text="MovieLens movieId")
    imdb_id = models.CharField(max_length=12, unique=True, null=True, blank=True)
    tmdb_id = models.PositiveIntegerField(unique=True, null=True, blank=True)
    title = models.CharField(max_length=300, help_text="MovieLens title without the year")
    english_title = models.CharField(max_length=300, blank=True, help_text="from IMDb akas")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    overview = models.TextField(blank=True)
    poster_path = models.CharField(max_length=200, blank=True)
    backdrop_path = models.CharField(max_length=200, blank=True)
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    num_ratings = models.PositiveIntegerField(default=0, help_text="MovieLens ratings")
    mean_rating = models.FloatField(null=True, blank=True, help_text="MovieLens mean stars")
    in_catalogue = models.BooleanField(default=False)
    excluded_reason = models.CharField(
        max_length=20,
        choices=ExclusionReason.choices,
        default=ExclusionReason.NOT_FILTERED,
        blank=True,
    )
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text="every title, case- and accent-free (see catalog.search_text)",
    )

    class Meta:
        ordering = ("id",)
        indexes = (
            # the home page / onboarding lists: catalogue movies by popularity
            models.Index(fields=["in_catalogue", "-num_ratings"], name="movie_catalogue_pop_idx"),
            models.Index(fields=["title"], name="movie_title_idx"),
            models.Index(fields=["english_title"], name="movie_english_title_idx"),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(imdb_id__isnull=True) | Q(imdb_id__startswith="tt"),
                name="movie_imdb_id_tt",
            ),
            models.CheckConstraint(
                condition=Q(mean_rating__isnull=True)
                | (Q(mean_rating__gte=0.5) & Q(mean_rating__lte=5.0)),
                name="movie_mean_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(mean_rating__isnull=True) | Q(num_ratings__gt=0),
                name="movie_mean_needs_ratings",
            ),
            models.CheckConstraint(
                condition=(Q(in_catalogue=True) & Q(excluded_reason=""))
                | (Q(in_catalogue=False) & ~Q(excluded_reason="")),
                name="movie_in_catalogue_xor_reason",
            ),
        )

    def __str__(self) -> str:
        return f"{self.display_title} ({self.year})" if self.year else self.display_title

    @property
    def display_title(self) -> str:
        """The English title when IMDb gave one, else the MovieLens title."""
        return self.english_title or self.title


class MovieTitle(models.Model):
    """A movie's title (and overview) in one language, as TMDb gave it (e.g. Korean)."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="localized_titles")
    language = models.CharField(max_length=8, help_text="ISO 639-1, e.g. 'ko'")
    title = models.CharField(max_length=300)
    overview = models.TextField(blank=True)

    class Meta:
        ordering = ("movie", "language")
        constraints = (
            models.UniqueConstraint(fields=["movie", "language"], name="movietitle_unique_lang"),
        )
        indexes = (models.Index(fields=["language", "movie"], name="movietitle_lang_idx"),)

    def __str__(self) -> str:
        return f"{self.movie_id} [{self.language}] {self.title}"


class Person(models.Model):
    """A director or cast member, keyed by the IMDb ``nconst`` (``nm…``)."""

    imdb_id = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=300)

    class Meta:
        ordering = ("name",)
        constraints = (
            models.CheckConstraint(condition=Q(imdb_id__startswith="nm"), name="person_imdb_id_nm"),
        )

    def __str__(self) -> str:
        return self.name


class CreditRole(models.TextChoices):
    DIRECTOR = "director", "director"
    CAST = "cast", "cast"


class Credit(models.Model):
    """A person's part in a movie; ``order`` is the billing order (0 first) within a role."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=10, choices=CreditRole.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("movie", "role", "order")
        constraints = (
            models.UniqueConstraint(
                fields=["movie", "person", "role"], name="credit_unique_movie_person_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=CreditRole.values), name="credit_role_valid"
            ),
        )
        indexes = (models.Index(fields=["movie", "role", "order"], name="credit_movie_role_idx"),)

    def __str__(self) -> str:
        return f"{self.person} ({self.role}) in {self.movie}"


class Tag(models.Model):
    """A tag name, normalised (see ``services.tag_normalise``): one row per distinct name."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class MovieTag(models.Model):
    """How many distinct MovieLens users applied ``tag`` to ``movie``."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="movie_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="movie_tags")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["movie", "tag"], name="movietag_unique_movie_tag"),
            models.CheckConstraint(condition=Q(count__gte=1), name="movietag_count_positive"),
        )

    def __str__(self) -> str:
        return f"{self.movie_id}:{self.tag} x{self.count}"


class TagRelevance(models.Model):
    """Tag-genome relevance of ``tag`` to ``movie``, in [0, 1]."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="tag_relevances")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="relevances")
    relevance = models.FloatField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["movie", "tag"], name="tagrelevance_unique_movie_tag"),
            models.CheckConstraint(
                condition=Q(relevance__gte=0.0) & Q(relevance__lte=1.0),
                name="tagrelevance_range",
            ),
        )

    def __str__(self) -> str:
        return f"{self.movie_id}:{self.tag}={self.relevance:.3f}"


class ImportKind(models.TextChoices):
    MOVIELENS = "movielens", "MovieLens"
    IMDB = "imdb", "IMDb"


class ImportRun(models.Model):
    """A finished import: where the files came from and their fingerprint.

    ``setup`` compares the fingerprint (file names, sizes and modification times) to skip an
    import whose files have not changed; ``train_model`` reads the MovieLens ratings again from
    ``source_dir``.
    """

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    source_dir = models.CharField(max_length=1000)
    fingerprint = models.CharField(max_length=64)
    stats = models.JSONField(default=dict)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-finished_at", "-id")
        indexes = (models.Index(fields=["kind", "-finished_at"], name="importrun_kind_idx"),)

    def __str__(self) -> str:
        return f"{self.kind} from {self.source_dir} at {self.finished_at:%Y-%m-%d %H:%M}"
