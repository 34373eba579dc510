"""Split a ranked movie list into a few taste groups, each labelled by its typical genres.

Clustering: Ward linkage on L2-normalised movie vectors (for unit vectors the squared
Euclidean distance is ``2 - 2·cos``, so Ward merges by cosine), cut into ``k`` clusters with
``k ≈ sqrt(n / 2)`` (1 to ``max_groups``); clusters smaller than ``min_group_size`` join the
cluster whose centroid is nearest. Groups are ordered by the best rank they contain and keep
the list's order inside.

Labels say what most of the group is. A genre qualifies when at least ``min_support``
(60 %) of the group has it; qualifying genres are ranked by ``share · lift^lift_exponent``
(lift = share in group / share in catalogue, exponent ½), so a rare genre wins only where
it covers the group about as well as a common one: *Aladdin*, *The Lion King*, *Shrek* are
"Children · Animation", not "Musical" (half of them), and *Schindler's List*, *Se7en*,
*American Beauty* are "Drama", not "Crime". A second qualifying genre with almost the same
score joins the label ("Crime · Thriller"). Groups whose labels would repeat or nest (two
"Comedy" clusters; "Adventure" beside "Action · Adventure") are merged and relabelled, so
no label is another's or a prefix of it; a group no genre describes is "More picks"
("More picks 2", ...).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import linkage

try:
    # What ``linkage(x, "ward")`` runs after its input checks and array-API dispatch, which
    # cost more than the clustering of a 40-film list; tested equal to ``linkage``.
    # ``pdist(x, "euclidean")`` likewise runs this kernel after its own checks.
    from scipy.cluster._hierarchy import nn_chain
    from scipy.cluster.hierarchy import _LINKAGE_METHODS
    from scipy.spatial._distance_pybind import pdist_euclidean

    _WARD = _LINKAGE_METHODS["ward"]
except (ImportError, KeyError):  # pragma: no cover - another SciPy layout
    nn_chain = None

from moviematch.recommender.artifact import are_sorted_ids
from moviematch.recommender.errors import CorruptModelError

FALLBACK_LABEL = "More picks"
SEPARATOR = " · "


@dataclass(frozen=True)
class Group:
    """One labelled group of a recommendation list.

    Attributes
    ----------
    label : str
        Non-empty, distinct among the groups of one call: the genres joined by
        ``SEPARATOR``, or ``FALLBACK_LABEL`` (numbered) when no genre describes the group.
    movie_ids : list of int
        Members, in the order of the input list.
    genres : tuple of str
        The genres the label names, in label order; empty for a fallback label. A caller
        that translates labels builds them from these.
    """

    label: str
    movie_ids: list[int] = field(default_factory=list)
    genres: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupingConfig:
    """Hyperparameters of ``group``.

    Attributes
    ----------
    max_groups : int
        Upper bound on the number of groups.
    items_per_group : float
        ``k = round(sqrt(n / items_per_group))`` groups for a list of n movies.
    min_group_size : int
        Smaller clusters are merged into their nearest cluster (when the list has at least
        ``2 * min_group_size`` movies).
    min_support : float
        Share of a group that must have a genre for it to label the group.
    second_genre_ratio : float
        A second qualifying genre joins the label when its score is at least this fraction
        of the best score.
    lift_exponent : float
        A genre's score is ``share · lift**lift_exponent``: 0 labels by coverage alone, 1 by
        share × lift (which let a genre on half the films name the whole group).
    unlabelled : tuple of str
        Genres that never name a group: MovieLens' "IMAX" is a screen format, not a taste
        (a row headed "IMAX" over The Dark Knight, Up and Apollo 13 tells a visitor nothing).
    """

    max_groups: int = 6
    items_per_group: float = 2.0
    min_group_size: int = 3
    min_support: float = 0.6
    second_genre_ratio: float = 0.9
    lift_exponent: float = 0.5
    unlabelled: tuple[str, ...] = ("IMAX",)

    def __post_init__(self) -> None:
        # from JSON (an artifact's config) the names come back as a list
        object.__setattr__(self, "unlabelled", tuple(self.unlabelled))
        if self.max_groups < 1 or self.items_per_group <= 0 or self.min_group_size < 1:
            raise ValueError("GroupingConfig: max_groups, min_group_size >= 1, items > 0")
        if not 0.0 < self.min_support <= 1.0 or not 0.0 < self.second_genre_ratio <= 1.0:
            raise ValueError("GroupingConfig: min_support and second_genre_ratio in (0, 1]")
        if not 0.0 <= self.lift_exponent <= 1.0:
            raise ValueError("GroupingConfig: lift_exponent in [0, 1]")


def group_count(n: int, config: GroupingConfig) -> int:
    """Number of groups for a list of n movies: ``round(sqrt(n / items_per_group))``, 1..max."""
    if n <= 0:
        return 0
    return max(1, min(config.max_groups, n, round(math.sqrt(n / config.items_per_group))))


def _cut(tree: npt.NDArray[np.float64], n: int, k: int) -> dict[int, list[int]]:
    """Flat clusters after the first ``n - k`` merges of a linkage matrix.

    ``{cluster node: its rows, ascending}``, the node being the linkage's id of the
    cluster (``i < n`` for a single row, ``n + step`` for the merge at ``step``). Same
    partition as ``fcluster(tree, k, "maxclust")`` for a monotone linkage such as Ward
    (fewer clusters when only identical points remain to split), without its input
    validation, which costs more than the clustering itself on short lists.
    """
    clusters = {i: [i] for i in range(n)}
    merges = tree[:, :2].astype(np.int64).tolist()
    heights = tree[:, 2].tolist()
    for step in range(n - 1):
        # Merges at distance zero are always made: identical movies are never split apart.
        if step >= n - k and heights[step] > 1e-12:
            break
        left, right = merges[step]
        clusters[n + step] = clusters.pop(left) + clusters.pop(right)
    for rows in clusters.values():
        rows.sort()
    return clusters


def ward_linkage(vectors: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``scipy.cluster.hierarchy.linkage(vectors, "ward")`` for finite float64 rows (n ≥ 2)."""
    if nn_chain is None:  # pragma: no cover - another SciPy layout
        return np.asarray(linkage(vectors, method="ward", metric="euclidean"))
    points = np.ascontiguousarray(vectors, dtype=np.float64)
    return np.asarray(nn_chain(pdist_euclidean(points), len(points), _WARD))


def _clusters(vectors: npt.NDArray[np.float64], k: int, min_size: int) -> npt.NDArray[np.int64]:
    """Cluster index (0..k'-1) of every row; tiny clusters merged into the nearest one.

    Clusters are numbered in the order of their linkage node; the smallest cluster
    (lowest node on ties) is merged first, into the cluster of the nearest centroid.
    """
    n = len(vectors)
    if k <= 1 or n < 2:
        return np.zeros(n, dtype=np.int64)
    clusters = _cut(ward_linkage(vectors), n, k)
    if n >= 2 * min_size:
        while len(clusters) > 1:
            ids = sorted(clusters)
            small = min(ids, key=lambda c: (len(clusters[c]), c))
            if len(clusters[small]) >= min_size:
                break
            # Each centroid the mean of its rows in row order (as a boolean mask selects).
            centroids = np.stack([vectors[clusters[c]].mean(axis=0) for c in ids])
            centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
            at = ids.index(small)
            sims = centroids @ centroids[at]
            sims[at] = -np.inf
            nearest = ids[int(np.argmax(sims))]
            clusters[nearest] = sorted(clusters[nearest] + clusters.pop(small))
    labels = [0] * n
    for index, node in enumerate(sorted(clusters)):
        for row in clusters[node]:
            labels[row] = index
    return np.array(labels, dtype=np.int64)


def _ranked_genres(
    members: Sequence[int],
    genres_of: Callable[[int], Sequence[str]],
    catalogue_genre_share: Mapping[str, float],
    config: GroupingConfig,
) -> list[tuple[str, float]]:
    """Qualifying genres of a group with their score, best first (ties: share, then name)."""
    counts = Counter(itertools.chain.from_iterable(map(set, map(genres_of, members))))
    floor = 1.0 / max(len(catalogue_genre_share), 1) / 100.0  # unknown genre: treat as rare
    scored = []
    for genre, count in counts.items():
        if genre in config.unlabelled:
            continue
        share = count / len(members)
        if share >= config.min_support:
            lift = share / max(catalogue_genre_share.get(genre, 0.0), floor)
            scored.append((genre, share * lift**config.lift_exponent, share))
    scored.sort(key=lambda item: (-item[1], -item[2], item[0]))
    return [(genre, score) for genre, score, _share in scored]


def _label(ranked: list[tuple[str, float]], config: GroupingConfig) -> tuple[str, ...]:
    """The genres a group's label names: the best, and a second one almost as good."""
    if not ranked:
        return ()
    if len(ranked) >= 2 and ranked[1][1] >= config.second_genre_ratio * ranked[0][1]:
        return (ranked[0][0], ranked[1][0])
    return (ranked[0][0],)


def group(
    movie_ids: Sequence[int],
    vectors: npt.ArrayLike,
    genres_of: Callable[[int], Sequence[str]] | Mapping[int, Sequence[str]],
    catalogue_genre_share: Mapping[str, float],
    config: GroupingConfig | None = None,
) -> list[Group]:
    """Cluster a ranked list of movies into labelled groups.

    Parameters
    ----------
    movie_ids : sequence of int, length n
        The list, best first; duplicates are not allowed.
    vectors : float array of shape (n, d)
        One similarity vector per movie (``SimilarityIndex.vectors_for``); rows are
        re-normalised here, zero rows allowed.
    genres_of : mapping or callable
        Genres of a movie id (missing → no genres).
    catalogue_genre_share : mapping of str to float
        Fraction of catalogue movies having each genre, in (0, 1].
    config : GroupingConfig, optional

    Returns
    -------
    list of Group
        Ordered by the best (lowest) list position they contain; together they hold every
        movie exactly once; labels are non-empty and distinct. Empty for an empty list.

    Raises
    ------
    ValueError
        Shape mismatch, non-finite vectors or duplicate ids.
    """
    config = config or GroupingConfig()
    ids = [int(m) for m in movie_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("group: movie_ids contains duplicates")
    if not ids:
        return []
    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(ids):
        raise ValueError(f"group: vectors has shape {matrix.shape}, expected ({len(ids)}, d)")
    if not np.isfinite(matrix).all():
        raise ValueError("group: vectors contain NaN or infinite values")
    # ``np.linalg.norm(matrix, axis=1, keepdims=True)``'s own arithmetic, without its checks
    norms = np.sqrt(np.add.reduce(matrix * matrix, axis=1, keepdims=True))
    matrix = matrix / np.where(norms > 0, norms, 1.0)
    lookup: Callable[[int], Sequence[str]]
    if isinstance(genres_of, Mapping):
        table = genres_of
        lookup = lambda movie_id: table.get(movie_id, ())  # noqa: E731
    else:
        lookup = genres_of

    clusters = _clusters(matrix, group_count(len(ids), config), config.min_group_size)
    # Cluster order = first appearance in the list (the best rank it contains): the order
    # in which the clusters' keys enter this dict.
    by_cluster: dict[int, list[int]] = {}
    for movie_id, cluster in zip(ids, clusters.tolist(), strict=True):
        by_cluster.setdefault(cluster, []).append(movie_id)
    members = list(by_cluster.values())
    position = {m: i for i, m in enumerate(ids)}

    def label_of(group_members: list[int]) -> tuple[str, ...]:
        return _label(_ranked_genres(group_members, lookup, catalogue_genre_share, config), config)

    labels = [label_of(m) for m in members]
    merged = True
    while merged:
        # Two groups whose labels repeat or nest describe the same taste: one group.
        merged = False
        for i, j in itertools.combinations(range(len(members)), 2):
            a, b = set(labels[i]), set(labels[j])
            if a and b and (a <= b or b <= a):
                members[i] = sorted(members[i] + members[j], key=position.__getitem__)
                del members[j], labels[j]
                labels[i] = label_of(members[i])
                merged = True
                break

    groups: list[Group] = []
    fallback_count = 0
    for group_members, named in zip(members, labels, strict=True):
        if named:
            label = SEPARATOR.join(named)
        else:
            fallback_count += 1
            label = FALLBACK_LABEL if fallback_count == 1 else f"{FALLBACK_LABEL} {fallback_count}"
        groups.append(Group(label, group_members, named))
    return groups


def genre_shares(genres: Sequence[Sequence[str]]) -> dict[str, float]:
    """Fraction of the catalogue's movies having each genre.

    Parameters
    ----------
    genres : sequence of genre tuples, one per catalogue movie (``MovieInfo.genres``)
    """
    counts: dict[str, int] = {}
    for movie_genres in genres:
        for genre in set(movie_genres):
            counts[genre] = counts.get(genre, 0) + 1
    total = max(len(genres), 1)
    return {genre: count / total for genre, count in sorted(counts.items())}


class GenreTable:
    """Genres of the catalogue movies, persistable in the artifact (labels need them).

    Attributes
    ----------
    movie_ids_ : int64 array of shape (m,), sorted
    names_ : unicode array of shape (g,), sorted genre names
    members_ : bool array of shape (m, g); ``members_[i, j]``: movie i has genre j
    """

    def __init__(
        self,
        movie_ids: npt.NDArray[np.int64],
        names: npt.NDArray[np.str_],
        members: npt.NDArray[np.bool_],
    ) -> None:
        self.movie_ids_ = movie_ids
        self.names_ = names
        self.members_ = members
        # Genre tuples by membership row (packed bits), built as lists ask for them.
        self._combinations: dict[bytes, tuple[str, ...]] = {}

    @classmethod
    def from_genres(cls, movie_ids: Sequence[int], genres: Sequence[Sequence[str]]) -> GenreTable:
        """Table from parallel sequences (e.g. ``MovieInfo.movie_ids`` and ``.genres``).

        Raises
        ------
        ValueError
            Lengths differ or ids repeat.
        """
        ids = np.asarray(movie_ids, dtype=np.int64)
        if len(ids) != len(genres) or len(np.unique(ids)) != len(ids):
            raise ValueError("GenreTable: movie_ids must be unique and match genres in length")
        names = sorted({g for gs in genres for g in gs})
        column = {g: j for j, g in enumerate(names)}
        order = np.argsort(ids)
        members = np.zeros((len(ids), len(names)), dtype=bool)
        for row, source in enumerate(order.tolist()):
            for g in genres[source]:
                members[row, column[g]] = True
        return cls(ids[order], np.array(names, dtype=np.str_), members)

    def genres_of(self, movie_id: int) -> tuple[str, ...]:
        """Genres of a movie; empty for an unknown id."""
        row = int(np.searchsorted(self.movie_ids_, movie_id))
        if row >= len(self.movie_ids_) or self.movie_ids_[row] != movie_id:
            return ()
        return tuple(str(g) for g in self.names_[self.members_[row]])

    def genres_map(self, movie_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """``{movie id: genres_of(movie id)}`` for a list, in one vectorised lookup.

        What ``group`` needs for a recommendation list: one ``searchsorted`` and one
        gather instead of a lookup per film; each combination of genres is turned into
        names once per table (a catalogue has a few thousand) and kept.
        """
        ids = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        out: dict[int, tuple[str, ...]] = {int(m): () for m in ids.tolist()}
        if len(self.movie_ids_) == 0 or len(ids) == 0:
            return out
        rows = np.minimum(np.searchsorted(self.movie_ids_, ids), len(self.movie_ids_) - 1)
        members = self.members_[rows] & (self.movie_ids_[rows] == ids)[:, None]
        packed = np.packbits(members, axis=1)
        raw, width = packed.tobytes(), packed.shape[1]
        known = self._combinations
        for at, movie_id in enumerate(ids.tolist()):
            key = raw[at * width : (at + 1) * width]
            genres = known.get(key)
            if genres is None:
                genres = known[key] = tuple(str(g) for g in self.names_[members[at]])
            if genres:
                out[movie_id] = genres
        return out

    def shares(self) -> dict[str, float]:
        """Fraction of the catalogue having each genre (``catalogue_genre_share``)."""
        fractions = self.members_.mean(axis=0) if len(self.movie_ids_) else self.members_.sum(0)
        return {str(g): float(f) for g, f in zip(self.names_, fractions, strict=True) if f > 0}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for the ``.npz`` artifact (fixed-width unicode names, no objects)."""
        return {"movie_ids": self.movie_ids_, "names": self.names_, "members": self.members_}

    def config_dict(self) -> dict[str, object]:
        """No hyperparameters."""
        return {}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], config: dict[str, object]) -> GenreTable:
        """Inverse of ``to_arrays``; ``config`` is ignored.

        Raises
        ------
        CorruptModelError
            Missing keys or inconsistent shapes/dtypes.
        """
        try:
            ids, names, members = (np.asarray(arrays[k]) for k in ("movie_ids", "names", "members"))
        except KeyError as exc:
            raise CorruptModelError(f"genre table arrays missing: {exc}") from None
        if (
            not are_sorted_ids(ids)
            or names.dtype.kind != "U"
            or members.dtype != np.bool_
            or members.shape != (len(ids), len(names))
        ):
            raise CorruptModelError("genre table: inconsistent movie_ids / names / members")
        return cls(ids.astype(np.int64), names, members)
