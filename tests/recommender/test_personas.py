"""Seven planted visitors on the real ml-latest-small model: what a person would check.

The model is what the site trains (``TrainConfig()`` with the dataset's movies and tags) on
all of ml-latest-small; each persona is a new visitor folded in from real movie ids, looked
up by title and year. For each we check what that person would look at first:

* most of the top 20 is in the genres they loved;
* a film of a genre they rated 1★ (and of none they loved) appears only when the model
  predicts they would give it 4★ or more;
* each taste group's label describes it (its first genre is on ≥ 60% of the group's films)
  and no label is another's prefix;
* the explanation of the first film adds up to its score and names films they rated well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from moviematch.datasets.movielens import load_features, load_ratings
from moviematch.recommender.data import MovieInfo
from moviematch.recommender.foldin import UserProfile
from moviematch.recommender.grouping import FALLBACK_LABEL, SEPARATOR
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.model import Model, TrainConfig
from moviematch.recommender.ranker import ItemItemRanker
from moviematch.recommender.training import train

pytestmark = [pytest.mark.dataset, pytest.mark.slow]


@dataclass(frozen=True)
class Persona:
    name: str
    loved: dict[tuple[str, int], float]
    hated: dict[tuple[str, int], float]
    #: Genres the person would call theirs ("most of the top 20" is measured against them).
    genres: frozenset[str]
    #: Genres they rated 1★.
    disliked: frozenset[str] = frozenset()
    #: Share of the top 20 that must be in ``genres``.
    majority: float = 0.5


def _five(*titles: tuple[str, int]) -> dict[tuple[str, int], float]:
    return dict.fromkeys(titles, 5.0)


def _one(*titles: tuple[str, int]) -> dict[tuple[str, int], float]:
    return dict.fromkeys(titles, 1.0)


PERSONAS = [
    Persona(
        "animation lover who dislikes horror",
        _five(
            ("Toy Story", 1995), ("The Lion King", 1994), ("Aladdin", 1992),
            ("Finding Nemo", 2003), ("Monsters, Inc.", 2001), ("Shrek", 2001),
            ("Up", 2009), ("The Incredibles", 2004),
        ),
        _one(("The Shining", 1980), ("Scream", 1996), ("The Exorcist", 1973), ("Halloween", 1978)),
        frozenset({"Animation", "Children"}),
        frozenset({"Horror"}),
    ),
    Persona(
        "romantic-comedy fan who dislikes action",
        _five(
            ("Notting Hill", 1999), ("Pretty Woman", 1990), ("When Harry Met Sally...", 1989),
            ("Sleepless in Seattle", 1993), ("Four Weddings and a Funeral", 1994),
            ("Love Actually", 2003), ("You've Got Mail", 1998), ("Bridget Jones's Diary", 2001),
        ),
        _one(("Jurassic Park", 1993), ("Die Hard 2", 1990), ("The Matrix Reloaded", 2003)),
        frozenset({"Romance", "Comedy"}),
        frozenset({"Action"}),
    ),
    Persona(
        "crime and noir fan",
        _five(
            ("The Godfather", 1972), ("Pulp Fiction", 1994), ("Goodfellas", 1990),
            ("Chinatown", 1974), ("The Maltese Falcon", 1941), ("L.A. Confidential", 1997),
            ("Reservoir Dogs", 1992), ("Fargo", 1996),
        ),
        {},
        frozenset({"Crime", "Film-Noir", "Thriller", "Mystery"}),
    ),
    Persona(
        "science-fiction fan",
        _five(
            ("Star Wars: Episode IV - A New Hope", 1977),
            ("Star Wars: Episode V - The Empire Strikes Back", 1980), ("Blade Runner", 1982),
            ("Alien", 1979), ("Terminator 2: Judgment Day", 1991), ("The Matrix", 1999),
            ("2001: A Space Odyssey", 1968), ("Back to the Future", 1985),
        ),
        {},
        frozenset({"Sci-Fi"}),
    ),
    Persona(
        "arthouse and foreign-language viewer",
        _five(
            ("Amelie", 2001), ("Seven Samurai", 1954), ("Crouching Tiger, Hidden Dragon", 2000),
            ("City of God", 2002), ("Pan's Labyrinth", 2006), ("Life Is Beautiful", 1997),
            ("Cinema Paradiso", 1989), ("Spirited Away", 2001),
        ),
        {},
        frozenset({"Drama", "Fantasy", "Romance"}),
    ),
    Persona(
        "a visitor with three ratings",
        {("Toy Story", 1995): 5.0, ("The Matrix", 1999): 4.0},
        {("Titanic", 1997): 2.0},
        frozenset({"Animation", "Children", "Comedy", "Action", "Sci-Fi", "Adventure"}),
    ),
    Persona(
        "someone who rated everything 5 stars",
        _five(
            ("Toy Story", 1995), ("The Shining", 1980), ("Notting Hill", 1999),
            ("The Godfather", 1972), ("Alien", 1979), ("Amelie", 2001),
            ("Die Hard 2", 1990), ("Forrest Gump", 1994), ("Titanic", 1997), ("Fargo", 1996),
        ),
        {},
        frozenset(
            {"Animation", "Horror", "Romance", "Crime", "Sci-Fi", "Comedy", "Drama", "Action"}
        ),
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def site(ml_small: Path) -> tuple[Model, MovieInfo]:
    features = load_features(ml_small)
    assert features.movies is not None
    model = train(
        load_ratings(ml_small),
        TrainConfig(mf=MFConfig(seed=0)),
        movies=features.movies,
        tags=features.tags,
        genome=features.genome,
    )
    return model, features.movies


def movie_id(movies: MovieInfo, title: str, year: int) -> int:
    hits = [
        int(m)
        for m, t, y in zip(movies.movie_ids, movies.titles, movies.years, strict=True)
        if t == title and int(y) == year
    ]
    assert len(hits) == 1, (title, year, hits)
    return hits[0]


def genres_of(movies: MovieInfo) -> dict[int, tuple[str, ...]]:
    return dict(zip(movies.movie_ids.tolist(), movies.genres, strict=True))


def check_labels(model: Model, ids: Sequence[int], genres: dict[int, tuple[str, ...]]) -> None:
    groups = model.group(list(ids))
    labels = [g.label for g in groups]
    assert len(set(labels)) == len(labels)
    for a in labels:
        for b in labels:
            assert a == b or not b.startswith(a), labels
    for g in groups:
        if g.label.startswith(FALLBACK_LABEL):
            continue
        first = g.label.split(SEPARATOR)[0]
        share = np.mean([first in genres[m] for m in g.movie_ids])
        assert share >= 0.6, (g.label, [genres[m] for m in g.movie_ids])


def fold_in(model: Model, movies: MovieInfo, persona: Persona) -> UserProfile:
    """The persona as a new visitor: every film they rated, folded in."""
    rated = {
        movie_id(movies, title, year): stars
        for (title, year), stars in {**persona.loved, **persona.hated}.items()
    }
    profile = model.fold_in(list(rated), list(rated.values()))
    assert len(profile.unknown_movie_ids) == 0
    return profile


def recommend(model: Model, movies: MovieInfo, persona: Persona):  # type: ignore[no-untyped-def]
    profile = fold_in(model, movies, persona)
    top = model.recommend(profile, n=40)
    assert len(top) == 40
    assert not {r.movie_id for r in top} & set(profile.rated_movie_ids.tolist())
    return profile, top


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name for p in PERSONAS])
def test_most_of_the_top_20_is_in_the_personas_genres(
    site: tuple[Model, MovieInfo], persona: Persona
) -> None:
    model, movies = site
    genres = genres_of(movies)
    _profile, top = recommend(model, movies, persona)
    in_taste = [bool(set(genres[r.movie_id]) & persona.genres) for r in top[:20]]
    assert np.mean(in_taste) > persona.majority, [
        (genres[r.movie_id], round(r.stars, 1)) for r in top[:20]
    ]


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name for p in PERSONAS])
def test_persona_sees_no_contradiction_and_labels_that_describe_the_groups(
    site: tuple[Model, MovieInfo], persona: Persona
) -> None:
    model, movies = site
    genres = genres_of(movies)
    profile, top = recommend(model, movies, persona)
    for r in top[:20]:
        film = set(genres[r.movie_id])
        if film & persona.disliked and not film & persona.genres:
            assert r.stars >= 4.0, (r.movie_id, genres[r.movie_id], r.stars)
    check_labels(model, [r.movie_id for r in top], genres)
    why = model.explain(profile, top[0].movie_id)
    total = why.baseline + sum(c.total for c in why.contributions)
    assert total == pytest.approx(why.score, abs=1e-4 * max(1.0, abs(why.score)))
    assert why.score == pytest.approx(top[0].score, abs=1e-6)
    assert why.top(1)
    assert why.top(1)[0].stars >= 4.0


def test_the_content_taste_term_moves_the_lists_toward_the_personas_genres(
    site: tuple[Model, MovieInfo],
) -> None:
    """The four personas with one clear taste get more of it with the term than without
    (measured with the coherence factor: animation 8 → 14 of 20, romantic comedy 16 → 20,
    crime 11 → 17, science fiction 6 → 16; the arthouse viewer is not asserted)."""
    for persona, shares in _shares_without(site, "content_weight"):
        assert shares[0] > shares[1], (persona.name, shares)


def test_the_coherence_factor_moves_the_lists_toward_the_personas_genres(
    site: tuple[Model, MovieInfo],
) -> None:
    """The four personas with one clear taste liked films more alike than 98% of the
    training users' (measured: percentiles 98.8–100, factors 4.5–5): their content weight is
    raised, and they get more of their taste than with the plain weight (animation 9 → 14
    of 20, romantic comedy 19 → 20, crime 11 → 17, science fiction 10 → 16). The visitor
    who rated everything 5★ liked films of every kind (15th percentile): no factor."""
    model, movies = site
    for persona, shares in _shares_without(site, "coherent_content"):
        assert shares[0] > shares[1], (persona.name, shares)
    ranker = model.components["ranker"]
    assert isinstance(ranker, ItemItemRanker)
    for persona in PERSONAS[:4]:
        profile = fold_in(model, movies, persona)
        assert ranker.content_boost(profile.rated_rows, profile.stars) > 4.0, persona.name
    everything = fold_in(model, movies, PERSONAS[-1])
    assert ranker.content_boost(everything.rated_rows, everything.stars) == 1.0


def test_the_popularity_damping_moves_the_lists_toward_the_personas_genres(
    site: tuple[Model, MovieInfo],
) -> None:
    """Personas who rated famous films get their item-item scores damped, and the four with
    one clear taste get at least as much of it as without the damping, more where there is
    room (measured with the coherence factor: animation 11 → 14 of 20, romantic comedy
    20 → 20, crime 15 → 17, science fiction 15 → 16; before the factor 7 → 9, 15 → 19,
    10 → 11, 5 → 10)."""
    for persona, shares in _shares_without(site, "popularity_damping"):
        assert shares[0] >= shares[1], (persona.name, shares)
        assert shares[0] > shares[1] or shares[0] == 20, (persona.name, shares)


def _shares_without(
    site: tuple[Model, MovieInfo], setting: str
) -> list[tuple[Persona, tuple[int, int]]]:
    """``_shares_with_and_without`` with one ranker setting (on in the served model) off."""
    model, movies = site
    ranker = model.components["ranker"]
    assert isinstance(ranker, ItemItemRanker)
    assert getattr(ranker.config, setting) > 0
    return _shares_with_and_without(model, movies, **{setting: 0.0})


def _shares_with_and_without(
    model: Model, movies: MovieInfo, **off: float
) -> list[tuple[Persona, tuple[int, int]]]:
    """For the four personas with one clear taste: how many of their top 20 are in their
    genres with the served ranker, and with its settings ``off`` changed."""
    ranker = model.components["ranker"]
    assert isinstance(ranker, ItemItemRanker)
    changed = ItemItemRanker.from_arrays(ranker.to_arrays(), {**ranker.config_dict(), **off})
    plain = model.with_component("ranker", changed)
    genres = genres_of(movies)
    out = []
    for persona in PERSONAS[:4]:
        with_it, without = (
            sum(
                bool(set(genres[r.movie_id]) & persona.genres)
                for r in recommend(served, movies, persona)[1][:20]
            )
            for served in (model, plain)
        )
        out.append((persona, (with_it, without)))
    return out
