"""The cold-start protocol: which users are new, and which of their ratings they reveal.

1. A seeded 20% of users is held out ("test users"); the model trains on the other users'
   ratings only. The catalogue is the set of movies the training users rated: a test
   user's ratings of other movies can neither be revealed nor predicted, so they are
   dropped.
2. Each test user reveals up to ``n_reveal`` of their catalogue ratings, chosen by a
   ``RevealStrategy`` (random order, most popular first, their first ratings by time — what
   a site sees of a new member — or onboarding simulated with the evaluated model's own
   picker); the rest are held out for measurement.
3. Test users with fewer than ``n_reveal + min_heldout`` catalogue ratings are skipped
   before revealing (with the defaults 10 + 5: at least 15), so every evaluated user has
   ratings left to measure.

``split_users`` checks, and raises if violated, that no test user's rating reaches the
training set.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from moviematch.recommender.data import Ratings
from moviematch.recommender.onboarding_simulation import simulate_onboarding
from moviematch.recommender.vocab import Vocabulary

#: How a simulated new user chooses the ratings they reveal: the one list (CLI choices,
#: the site's ``train_model --reveal``, the benchmark).
REVEAL_MODES = ("random", "popular", "time", "picker")


@dataclass(frozen=True)
class TestUser:
    """One held-out user, in catalogue rows.

    Attributes
    ----------
    user_id : int
    revealed_rows, heldout_rows : int64 arrays
        Catalogue rows of the revealed and the held-out ratings (disjoint).
    revealed_stars, heldout_stars : float32 arrays
    proposals : int
        How many movies the reveal strategy proposed (= revealed for random/popular).
    """

    __test__ = False  # not a pytest class despite the name

    user_id: int
    revealed_rows: npt.NDArray[np.int64]
    revealed_stars: npt.NDArray[np.float32]
    heldout_rows: npt.NDArray[np.int64]
    heldout_stars: npt.NDArray[np.float32]
    proposals: int = 0


@dataclass(frozen=True)
class UserSplit:
    """Training ratings and held-out users of the cold-start protocol.

    Attributes
    ----------
    train : Ratings
        Ratings of the training users only.
    catalogue : Vocabulary
        Movies rated by at least one training user; rows index every score vector.
    test_user_ids : int64 array
        Every held-out user (including the skipped ones).
    item_counts : int64 array (n_items,)
        Training ratings per catalogue row.
    n_train_users : int
    held_out : dict of int to (int64 rows, float32 stars)
        Each evaluated held-out user's catalogue ratings, ordered by row.
    skipped_users : int
        Held-out users with too few catalogue ratings (see the module docstring).
    held_out_times : dict of int to int64 array
        The timestamps of ``held_out``'s ratings, in the same order.
    """

    train: Ratings
    catalogue: Vocabulary
    test_user_ids: npt.NDArray[np.int64]
    item_counts: npt.NDArray[np.int64]
    n_train_users: int
    held_out: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = field(repr=False)
    skipped_users: int = 0
    held_out_times: dict[int, npt.NDArray[np.int64]] = field(default_factory=dict, repr=False)


def split_users(
    ratings: Ratings,
    *,
    test_fraction: float = 0.2,
    n_reveal: int = 10,
    min_heldout: int = 5,
    seed: int = 0,
) -> UserSplit:
    """Hold out a seeded share of users; train on the rest.

    Parameters
    ----------
    ratings : Ratings
    test_fraction : float
        Share of users held out, in (0, 1); at least one user each side.
    n_reveal, min_heldout : int
        Users with fewer than ``n_reveal + min_heldout`` catalogue ratings are skipped.
    seed : int
        Same seed, same split.

    Raises
    ------
    ValueError
        Bad fractions, or fewer than two users.
    RuntimeError
        If a held-out user's rating were found in the training set (a leakage guard).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if n_reveal < 0 or min_heldout < 1:
        raise ValueError("n_reveal must be >= 0 and min_heldout >= 1")
    users = np.unique(ratings.user_ids)
    if len(users) < 2:
        raise ValueError("the cold-start split needs at least two users")
    rng = np.random.default_rng(seed)
    n_test = min(len(users) - 1, max(1, round(test_fraction * len(users))))
    test_ids = np.sort(rng.choice(users, size=n_test, replace=False))
    is_test = np.isin(ratings.user_ids, test_ids)
    train = ratings.subset(~is_test)
    if np.isin(train.user_ids, test_ids).any():  # pragma: no cover - guards future edits
        raise RuntimeError("leakage: a held-out user's rating is in the training set")
    catalogue = Vocabulary(train.movie_ids)
    item_counts = np.bincount(catalogue.rows(train.movie_ids), minlength=len(catalogue))

    test = ratings.subset(is_test)
    rows = catalogue.rows(test.movie_ids)
    known = rows >= 0
    test_users = test.user_ids[known]
    test_rows = rows[known]
    test_stars = test.values[known]
    test_times = test.timestamps[known]
    order = np.lexsort((test_rows, test_users))
    test_users, test_rows, test_stars = test_users[order], test_rows[order], test_stars[order]
    test_times = test_times[order]
    bounds = np.searchsorted(test_users, test_ids, side="left")
    ends = np.searchsorted(test_users, test_ids, side="right")
    held_out: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
    times: dict[int, npt.NDArray[np.int64]] = {}
    skipped = 0
    for user, start, stop in zip(test_ids.tolist(), bounds, ends, strict=True):
        if stop - start < n_reveal + min_heldout:
            skipped += 1
            continue
        held_out[user] = (test_rows[start:stop], test_stars[start:stop])
        times[user] = test_times[start:stop]
    return UserSplit(
        train=train,
        catalogue=catalogue,
        test_user_ids=test_ids,
        item_counts=item_counts.astype(np.int64),
        n_train_users=len(users) - n_test,
        held_out=held_out,
        skipped_users=skipped,
        held_out_times=times,
    )


class RevealStrategy(Protocol):
    """Chooses which of a test user's ratings they reveal.

    ``reveal(rows, stars, rng, times)`` returns (indices into rows that are revealed, in
    reveal order; number of proposals made). ``times`` are the ratings' timestamps.
    """

    @property
    def name(self) -> str: ...

    def reveal(
        self,
        rows: npt.NDArray[np.int64],
        stars: npt.NDArray[np.float32],
        rng: np.random.Generator,
        times: npt.NDArray[np.int64] | None = None,
    ) -> tuple[npt.NDArray[np.int64], int]: ...


@dataclass(frozen=True)
class RandomReveal:
    """The user reveals ``n`` of their ratings drawn uniformly at random."""

    n: int = 10
    name: str = "random"

    def reveal(
        self,
        rows: npt.NDArray[np.int64],
        stars: npt.NDArray[np.float32],
        rng: np.random.Generator,
        times: npt.NDArray[np.int64] | None = None,
    ) -> tuple[npt.NDArray[np.int64], int]:
        chosen = rng.permutation(len(rows))[: self.n]
        return chosen.astype(np.int64), len(chosen)


@dataclass(frozen=True)
class PopularReveal:
    """The user reveals their ``n`` ratings of the most popular films (training counts).

    Ties in popularity go to the lower catalogue row, so the choice is deterministic.
    """

    item_counts: npt.NDArray[np.int64]
    n: int = 10
    name: str = "popular"

    def reveal(
        self,
        rows: npt.NDArray[np.int64],
        stars: npt.NDArray[np.float32],
        rng: np.random.Generator,
        times: npt.NDArray[np.int64] | None = None,
    ) -> tuple[npt.NDArray[np.int64], int]:
        order = np.lexsort((rows, -self.item_counts[rows]))
        chosen = order[: self.n]
        return chosen.astype(np.int64), len(chosen)


@dataclass(frozen=True)
class TimeReveal:
    """The user reveals their first ``n`` ratings by time, as a site sees a new member.

    Ties in time go to the lower catalogue row. Without timestamps (all equal) this is the
    ``n`` lowest rows, which is why the protocol keeps the dataset's timestamps.
    """

    n: int = 10
    name: str = "time"

    def reveal(
        self,
        rows: npt.NDArray[np.int64],
        stars: npt.NDArray[np.float32],
        rng: np.random.Generator,
        times: npt.NDArray[np.int64] | None = None,
    ) -> tuple[npt.NDArray[np.int64], int]:
        when = np.zeros(len(rows), np.int64) if times is None else times
        chosen = np.lexsort((rows, when))[: self.n]
        return chosen.astype(np.int64), len(chosen)


class Onboarding(Protocol):
    """What the ``picker`` reveal needs of a model: ``Model.onboarding``."""

    def onboarding(
        self,
        n: int = 20,
        exclude: Collection[int] = (),
        seed: int = 0,
        *,
        rated: Collection[int] = (),
        skipped: Collection[int] = (),
    ) -> list[int]: ...


@dataclass(frozen=True)
class PickerReveal:
    """Simulated onboarding through a model's own picker (``Model.onboarding``).

    The proposals are the model's, a page at a time, with one seed per visitor (as the site
    seeds by user); the simulated user rates a proposed movie only if it is among their own
    ratings (with their real stars), until ``n`` are revealed or ``budget`` proposals have
    been made (``onboarding.simulate_onboarding``). Fewer than ``n`` may be revealed; such
    users are still evaluated (that is what a site would face).

    Attributes
    ----------
    model : Onboarding
        The model whose picker proposes, trained on the split's training ratings.
    catalogue : Vocabulary
        The split's catalogue (test users' ratings are in its rows).
    """

    model: Onboarding
    catalogue: Vocabulary
    n: int = 10
    budget: int = 100
    page: int = 10
    name: str = "picker"

    def reveal(
        self,
        rows: npt.NDArray[np.int64],
        stars: npt.NDArray[np.float32],
        rng: np.random.Generator,
        times: npt.NDArray[np.int64] | None = None,
    ) -> tuple[npt.NDArray[np.int64], int]:
        ids = self.catalogue.external(rows).tolist()
        position = {movie: i for i, movie in enumerate(ids)}
        seed = int(rng.integers(2**31))

        def propose(rated: Sequence[int], skipped: Sequence[int], n: int) -> list[int]:
            return self.model.onboarding(n, seed=seed, rated=rated, skipped=skipped)

        run = simulate_onboarding(
            propose, position, target=self.n, budget=self.budget, page=self.page
        )
        return np.asarray([position[m] for m in run.rated], dtype=np.int64), run.shown


def reveal_users(split: UserSplit, strategy: RevealStrategy, *, seed: int = 0) -> list[TestUser]:
    """Apply a reveal strategy to every evaluated held-out user.

    Each user gets their own generator derived from (seed, user id), so the same user
    reveals the same movies whatever the other users are.
    """
    users: list[TestUser] = []
    for user, (rows, stars) in sorted(split.held_out.items()):
        rng = np.random.default_rng([seed, user])
        chosen, proposals = strategy.reveal(rows, stars, rng, split.held_out_times.get(user))
        mask = np.zeros(len(rows), dtype=bool)
        mask[chosen] = True
        users.append(
            TestUser(
                user_id=user,
                revealed_rows=rows[chosen],
                revealed_stars=stars[chosen],
                heldout_rows=rows[~mask],
                heldout_stars=stars[~mask],
                proposals=proposals,
            )
        )
    return users


def make_strategy(
    name: str,
    split: UserSplit,
    *,
    n_reveal: int,
    budget: int = 100,
    onboarding: Onboarding | None = None,
) -> RevealStrategy:
    """The reveal strategy called ``name`` for ``split``.

    The popularity order uses ``split.train`` only; the picker is ``onboarding``'s (the
    model trained on ``split.train``).

    Raises
    ------
    ValueError
        Unknown ``name``, or ``"picker"`` without a model to propose.
    """
    if name == "random":
        return RandomReveal(n_reveal)
    if name == "popular":
        return PopularReveal(split.item_counts, n_reveal)
    if name == "time":
        return TimeReveal(n_reveal)
    if name == "picker":
        if onboarding is None:
            raise ValueError("the picker reveal needs the model whose onboarding proposes")
        return PickerReveal(onboarding, split.catalogue, n_reveal, budget)
    raise ValueError(f"unknown reveal strategy {name!r}; expected one of {REVEAL_MODES}")
