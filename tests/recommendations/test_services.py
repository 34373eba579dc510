"""The site's questions answered by ``services`` on a model trained on planted tastes.

Movies 1-27 are comedies, 28-54 horror films, 55-81 romances (``planted_tastes``); in each
block the first 16 are mainstream, the next 8 a cult tail, the last 3 rare films that the
catalogue filter drops. The model is trained through ``train_model`` like the site's.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from moviematch.accounts.services import user_adventurous_set
from moviematch.catalog.models import Movie
from moviematch.ratings.models import Rating
from moviematch.recommendations import services
from moviematch.recommendations.errors import ModelUnavailableError, MovieNotRecommendableError
from moviematch.recommendations.services.serving import model_required, profile_of, user_ratings

pytestmark = pytest.mark.django_db

COMEDY, HORROR, ROMANCE = range(1, 28), range(28, 55), range(55, 82)
MAINSTREAM = [m for block in (COMEDY, HORROR, ROMANCE) for m in block[:16]]


def dropped_movie_id() -> int:
    """A planted rare film that the catalogue filter dropped (fewer than 5 ratings)."""
    movie = Movie.objects.filter(in_catalogue=False).order_by("id").first()
    assert movie is not None
    assert movie.excluded_reason == "few_ratings"
    return movie.id


def genre(movie: Movie) -> str:
    return movie.genres.get().name


@pytest.fixture
def trained(model_dir: object, planted_catalogue: set[int]) -> set[int]:
    call_command("train_model", "--no-eval", stdout=StringIO(), stderr=StringIO())
    return planted_catalogue


@pytest.fixture
def user() -> object:
    return get_user_model().objects.create_user(username="visitor", password="x")


def rate(user: object, stars: dict[int, float]) -> None:
    for movie_id, value in stars.items():
        Rating.objects.create(user=user, movie_id=movie_id, stars=Decimal(str(value)))


# --- similar movies ----------------------------------------------------------------------------


def test_similar_movies_share_the_genre_and_are_catalogue_movies(trained: set[int]) -> None:
    similar = services.movie_similar_list(movie_id=30, k=10)
    assert len(similar) == 10
    movies = [s.movie for s in similar]
    assert 30 not in {m.id for m in movies}
    assert {m.id for m in movies} <= trained
    assert all(genre(m) == "Horror" for m in movies)
    cosines = [s.similarity for s in similar]
    assert cosines == sorted(cosines, reverse=True)
    assert all(-1.0 <= c <= 1.0 for c in cosines)


def test_similar_skips_movies_dropped_from_the_catalogue_after_training(trained: set[int]) -> None:
    before = [s.movie.id for s in services.movie_similar_list(movie_id=30, k=5)]
    Movie.objects.filter(pk=before[0]).update(in_catalogue=False, excluded_reason="no_year")
    after = [s.movie.id for s in services.movie_similar_list(movie_id=30, k=5)]
    assert before[0] not in after
    assert after[:4] == before[1:]
    assert len(after) == 5


@pytest.mark.usefixtures("trained")
def test_similar_of_a_movie_outside_the_catalogue_is_a_domain_error() -> None:
    rare = dropped_movie_id()
    with pytest.raises(MovieNotRecommendableError, match=f"movie {rare}: not in the catalogue"):
        services.movie_similar_list(movie_id=rare)
    with pytest.raises(MovieNotRecommendableError) as info:
        services.movie_similar_list(movie_id=999_999)
    assert info.value.movie_id == 999_999


@pytest.mark.usefixtures("trained")
def test_similar_of_a_movie_the_model_does_not_know() -> None:
    rare = dropped_movie_id()
    Movie.objects.filter(pk=rare).update(in_catalogue=True, excluded_reason="")  # after training
    with pytest.raises(MovieNotRecommendableError, match="unknown to the current model"):
        services.movie_similar_list(movie_id=rare)


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_no_model_published_is_a_domain_error(user: object) -> None:
    with pytest.raises(ModelUnavailableError):
        services.movie_similar_list(movie_id=1)
    for call in (
        lambda: services.home_feed(user=user),
        lambda: services.recommendation_list(user=user),
        lambda: services.movie_predicted_stars(user=user, movie_ids=[1]),
        lambda: services.onboarding_movies(user=user),
    ):
        with pytest.raises(ModelUnavailableError, match="no recommendation model is published"):
            call()


@pytest.mark.usefixtures("trained")
def test_a_damaged_model_is_unavailable_not_a_crash(user: object, model_dir: Path) -> None:
    services.model_forget()
    version = next(p for p in model_dir.iterdir() if p.is_dir())
    (version / "arrays.npz").write_bytes(b"not a zip file")
    with pytest.raises(ModelUnavailableError, match="cannot be loaded") as info:
        services.home_feed(user=user)
    assert "cannot be loaded" in info.value.reason


# --- recommendations in taste groups -----------------------------------------------------------


@pytest.mark.usefixtures("trained")
def test_a_horror_fan_gets_a_horror_group_first(user: object) -> None:
    liked = {m: 5.0 if m % 2 else 4.5 for m in HORROR[:10]}
    rate(user, liked)
    feed = services.home_feed(user=user, n=20)
    assert feed.rated_count == 10
    assert not feed.needs_onboarding
    first = feed.groups[0]
    assert (first.label, first.genres) == ("Horror", ("Horror",))
    assert sum(len(g.movies) for g in feed.groups) == 20
    recommended = [r.movie.id for g in feed.groups for r in g.movies]
    assert len(set(recommended)) == 20
    assert not set(recommended) & set(liked)
    assert all(r.movie.in_catalogue for g in feed.groups for r in g.movies)
    # Every recommended horror film is in the Horror group. Grouping merges a group smaller
    # than min_group_size (3) into its nearest, so one stray film may join it.
    horror_recommended = {m for m in recommended if m in HORROR}
    assert horror_recommended <= {r.movie.id for r in first.movies}
    assert sum(genre(r.movie) != "Horror" for r in first.movies) <= 1
    assert all(r.stars >= 3.5 for r in first.movies)
    top = services.recommendation_list(user=user, n=8)
    assert all(r.movie.id in HORROR for r in top)  # the planted taste, first
    assert [r.movie.id for r in top] == [
        r.movie.id for r in services.recommendation_list(user=user, n=20)
    ][:8]
    # the stars shown on a card are the model's prediction for that user
    predicted = services.movie_predicted_stars(user=user, movie_ids=[r.movie.id for r in top])
    assert predicted == pytest.approx({r.movie.id: r.stars for r in top}, abs=1e-6)


@pytest.mark.usefixtures("trained")
def test_groups_are_labelled_by_genre_for_a_two_genre_fan(user: object) -> None:
    rate(user, {**{m: 5.0 for m in COMEDY[:5]}, **{m: 5.0 for m in ROMANCE[:5]}})
    groups = services.home_feed(user=user, n=30).groups
    labels = [g.label for g in groups]
    assert labels[0] in ("Comedy", "Romance")
    assert {"Comedy", "Romance"} <= set(labels)
    for g in groups:
        assert all(genre(r.movie) == g.label for r in g.movies)  # one genre per planted film
        assert g.genres == (g.label,)
        if g.label in ("Comedy", "Romance"):
            assert all(r.stars >= 3.5 for r in g.movies)


@pytest.mark.parametrize(
    "stars",
    [
        {1: 1.0, 2: 1.5, 3: 1.0, 4: 1.0, 5: 1.0, 28: 5.0, 29: 5.0, 30: 4.5, 31: 5.0},
        {**{m: 5.0 for m in COMEDY[:5]}, **{m: 5.0 for m in ROMANCE[:5]}},
    ],
    ids=["hates-comedy-loves-horror", "comedy-and-romance-fan"],
)
@pytest.mark.usefixtures("trained")
def test_films_predicted_to_disappoint_are_not_recommended(
    user: object, stars: dict[int, float]
) -> None:
    rate(user, stars)
    top = services.recommendation_list(user=user, n=10)
    assert all(r.stars >= 3.0 for r in top), [(r.movie.id, round(r.stars, 1)) for r in top]


@pytest.mark.usefixtures("trained")
def test_a_new_user_is_asked_to_rate_and_sees_the_cold_start_list(user: object) -> None:
    feed = services.home_feed(user=user, n=20)
    assert (feed.rated_count, feed.ratings_needed) == (0, 10)
    assert feed.needs_onboarding
    assert not feed.is_personal
    preview = [r.movie for g in feed.groups for r in g.movies]
    assert len(preview) == 20
    assert all(m.in_catalogue for m in preview)
    # the cold-start list leans on well-liked, often-rated films
    catalogue = Movie.objects.filter(in_catalogue=True)
    mean_count = sum(m.num_ratings for m in catalogue) / catalogue.count()
    assert sum(m.num_ratings for m in preview) / 20 > mean_count
    rate(user, {dropped_movie_id(): 5.0})  # outside the catalogue: does not count
    assert services.home_feed(user=user).ratings_needed == 10
    rate(user, {m: 4.0 for m in HORROR[:4]})
    feed = services.home_feed(user=user)
    assert (feed.rated_count, feed.ratings_needed) == (4, 6)
    assert feed.is_personal
    assert feed.needs_onboarding


@pytest.mark.usefixtures("trained")
def test_the_onboarding_target_comes_from_settings(user: object, settings: object) -> None:
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "ONBOARDING_RATINGS": 3}  # type: ignore[attr-defined]
    rate(user, {m: 4.0 for m in HORROR[:3]})
    assert services.home_feed(user=user).ratings_needed == 0


@pytest.mark.usefixtures("trained")
def test_predicted_stars_leave_out_movies_the_model_does_not_know(user: object) -> None:
    rate(user, {m: 5.0 for m in HORROR[:5]})
    predicted = services.movie_predicted_stars(user=user, movie_ids=[HORROR[6], 999_999])
    assert list(predicted) == [HORROR[6]]
    assert 0.5 <= predicted[HORROR[6]] <= 5.0
    assert services.movie_predicted_stars(user=user, movie_ids=[]) == {}


# --- onboarding --------------------------------------------------------------------------------


@pytest.mark.usefixtures("trained")
def test_onboarding_opens_with_the_most_seen_film_of_every_taste(user: object) -> None:
    proposals = services.onboarding_movies(user=user, n=12)
    assert len(proposals) == 12
    assert len({m.id for m in proposals}) == 12
    assert all(m.in_catalogue for m in proposals)
    # likely seen and diverse: one of the three most-rated films of each taste comes first
    # (which of them depends on the trained factors, so on the order the database returns
    # the ratings in; the planted counts of a block's top films are close: 25, 27, 27)
    catalogue = Movie.objects.filter(in_catalogue=True)
    for block in (COMEDY, HORROR, ROMANCE):
        most_seen = catalogue.filter(id__in=list(block)).order_by("-num_ratings", "id")[:3]
        opening = [m.id for m in proposals[:3] if m.id in block]
        assert len(opening) == 1
        assert opening[0] in {m.id for m in most_seen}
    mean_count = sum(m.num_ratings for m in catalogue) / catalogue.count()
    assert sum(m.num_ratings for m in proposals) / 12 > 1.2 * mean_count
    # stable for the same user and answers
    assert [m.id for m in services.onboarding_movies(user=user, n=12)] == [m.id for m in proposals]


@pytest.mark.usefixtures("trained")
def test_onboarding_never_repeats_rated_or_skipped_movies(user: object) -> None:
    first = [m.id for m in services.onboarding_movies(user=user, n=10)]
    rate(user, {first[0]: 4.0, first[1]: 2.0})
    skipped = first[2:6]
    second = [m.id for m in services.onboarding_movies(user=user, n=10, skipped=skipped)]
    assert len(second) == 10
    assert not set(second) & set(first[:6])


@pytest.mark.usefixtures("trained")
def test_an_explanation_names_the_rated_films_behind_a_recommendation(user: object) -> None:
    liked = {m: 5.0 for m in HORROR[:6]}
    rate(user, {**liked, COMEDY[0]: 1.0, COMEDY[1]: 1.0})
    top = services.recommendation_list(user=user, n=3)
    why = services.movie_explanation(user=user, movie_id=top[0].movie.id)
    assert why.movie == top[0].movie
    assert why.stars == pytest.approx(top[0].stars, abs=1e-6)
    assert why.because
    assert {b.movie.id for b in why.because} <= set(liked)  # the loved horror films
    assert all(b.stars == 5.0 and b.contribution > 0 for b in why.because)
    contributions = [b.contribution for b in why.because]
    assert contributions == sorted(contributions, reverse=True)
    assert why.genres == ("Horror",)
    with pytest.raises(MovieNotRecommendableError):
        services.movie_explanation(user=user, movie_id=999_999)


@pytest.mark.usefixtures("trained")
def test_an_explanation_uses_the_users_adventurous_setting(user: object) -> None:
    rate(user, {**{m: 5.0 for m in HORROR[:5]}, COMEDY[0]: 1.0})
    pick = services.recommendation_list(user=user, n=1)[0].movie.id
    shares = {}
    for setting in (0.0, 1.0):
        user_adventurous_set(user=user, adventurous=setting)
        why = services.movie_explanation(user=user, movie_id=pick)
        shares[setting] = [(b.movie.id, b.contribution) for b in why.because]
        model = model_required()
        engine = model.explain(profile_of(model, user_ratings(user)[0]), pick, adventurous=setting)
        expected = sorted((c.total for c in engine.contributions if c.total > 0), reverse=True)
        assert [c for _m, c in shares[setting]] == pytest.approx(expected[: len(why.because)])
    assert shares[0.0] != shares[1.0]


@pytest.mark.usefixtures("trained")
def test_excluded_movies_are_left_out_and_the_rest_keep_their_order(user: object) -> None:
    rate(user, {m: 5.0 for m in HORROR[:5]})
    full = [r.movie.id for r in services.recommendation_list(user=user, n=12)]
    dropped = full[:3]
    nonsense = [0, -4, 2**31, 10**30, 999_999]  # no movie has these ids
    rest = services.recommendation_list(user=user, n=6, exclude=[*dropped, *nonsense])
    assert [r.movie.id for r in rest] == full[3:9]


@pytest.mark.usefixtures("trained")
def test_the_adventurous_setting_reaches_the_engine(user: object) -> None:
    rate(user, {m: 5.0 for m in HORROR[:5]})
    familiar = [r.movie.id for r in services.recommendation_list(user=user, n=10, adventurous=0.0)]
    bold = [r.movie.id for r in services.recommendation_list(user=user, n=10, adventurous=1.0)]
    assert familiar != bold
    feed = services.home_feed(user=user, n=10, adventurous=1.0)
    assert sorted(r.movie.id for g in feed.groups for r in g.movies) == sorted(bold)
    with pytest.raises(ValueError, match="adventurous"):
        services.recommendation_list(user=user, adventurous=2.0)


def test_a_users_ratings_come_as_floats_most_recent_first_with_the_catalogue_count() -> None:
    user = get_user_model().objects.create_user(username="ratings-read")
    Movie.objects.create(id=1, title="In", in_catalogue=True, excluded_reason="")
    Movie.objects.create(id=2, title="Also in", in_catalogue=True, excluded_reason="")
    Movie.objects.create(id=3, title="Left out")
    assert user_ratings(user) == ({}, 0)
    for movie_id, stars in [(2, "4.5"), (3, "1.0"), (1, "3.0")]:
        Rating.objects.create(user=user, movie_id=movie_id, stars=Decimal(stars))
    Rating.objects.create(user=get_user_model().objects.create_user("other"), movie_id=1, stars=5)
    rated, in_catalogue = user_ratings(user)
    assert rated == {1: 3.0, 3: 1.0, 2: 4.5}
    assert list(rated) == [1, 3, 2]  # as Rating's ordering: most recently changed first
    assert all(type(stars) is float for stars in rated.values())
    assert in_catalogue == 2
