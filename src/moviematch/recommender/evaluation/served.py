"""The served ``Model`` under the cold-start protocol: "ours" and "mf-stars".

Nothing is re-assembled here: a method wraps the very ``Model`` that ``train`` returns (the
object the site publishes and loads) and answers a test user through its public API —
``fold_in`` the revealed ratings, ``recommend`` the top n, ``predict`` the held-out stars.
Any change to ``Model.recommend`` (the ranker, the stars floor, the default ranking) moves
these figures.

* ``ServedModel`` ("ours"): ``Model.recommend`` as the list, ``Model.predict`` as stars.
* ``ServedStars`` ("mf-stars"): the same model's ``predict_all`` sorted as the list (what
  ranking by the fold-in's stars alone would give), the same ``predict`` stars.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from moviematch.recommender.evaluation.baselines import Answer, answer_from_scores
from moviematch.recommender.evaluation.protocol import TestUser
from moviematch.recommender.foldin import UserProfile
from moviematch.recommender.model import Model
from moviematch.recommender.vocab import Vocabulary


class ServedModel:
    """A trained ``Model`` answering through ``fold_in`` → ``recommend`` / ``predict``.

    Parameters
    ----------
    model : Model
        Trained on the split's training ratings (its catalogue is theirs).
    catalogue : Vocabulary
        The split's catalogue: test users' rows are in it, the model answers movie ids.
    name : str
    adventurous : float
        The familiar ↔ adventurous setting passed to every ``recommend`` (0.5: the default).

    Raises
    ------
    ValueError
        The model's items are not exactly the catalogue (it was trained on other ratings).
    """

    def __init__(
        self, model: Model, catalogue: Vocabulary, name: str = "ours", adventurous: float = 0.5
    ) -> None:
        if not np.array_equal(model.items.ids, catalogue.ids):
            raise ValueError(f"{name}: the model was not trained on the split's catalogue")
        self.model = model
        self.catalogue = catalogue
        self.name = name
        self.adventurous = adventurous

    def answer(self, user: TestUser, n: int) -> Answer:
        profile = self.model.fold_in(
            self.catalogue.external(user.revealed_rows), user.revealed_stars
        )
        # The stars shown are Model.predict's, for ours and mf-stars alike.
        stars = self.model.predict(profile, self.catalogue.external(user.heldout_rows))
        return Answer(self._ranked(profile, user, n), stars.astype(np.float64))

    def _ranked(self, profile: UserProfile, user: TestUser, n: int) -> npt.NDArray[np.int64]:
        recommended = self.model.recommend(profile, n=n, adventurous=self.adventurous)
        ids = np.asarray([r.movie_id for r in recommended], dtype=np.int64)
        return self.catalogue.rows(ids)  # the model's items are the catalogue: no MISSING


class ServedStars(ServedModel):
    """The same ``Model``'s predicted stars (``predict_all``) used as the ranking."""

    def __init__(self, model: Model, catalogue: Vocabulary, name: str = "mf-stars") -> None:
        super().__init__(model, catalogue, name)

    def _ranked(self, profile: UserProfile, user: TestUser, n: int) -> npt.NDArray[np.int64]:
        stars = self.model.predict_all(profile).astype(np.float64)
        return answer_from_scores(user, n, stars, None).ranked
