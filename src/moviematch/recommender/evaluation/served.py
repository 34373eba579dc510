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
from moviematch.recommender.model import Model
from moviematch.recommender.vocab import MISSING, Vocabulary


class ServedModel:
    """A trained ``Model`` answering through ``fold_in`` → ``recommend`` / ``predict``.

    Parameters
    ----------
    model : Model
        Trained on the split's training ratings (its catalogue is theirs).
    catalogue : Vocabulary
        The split's catalogue: test users' rows are in it, the model answers movie ids.
    name : str

    Raises
    ------
    ValueError
        The model knows movies outside the catalogue (it was trained on other ratings).
    """

    def __init__(self, model: Model, catalogue: Vocabulary, name: str = "ours") -> None:
        if not np.isin(model.items.ids, catalogue.ids).all():
            raise ValueError(f"{name}: the model was not trained on the split's catalogue")
        self.model = model
        self.catalogue = catalogue
        self.name = name

    def answer(self, user: TestUser, n: int) -> Answer:
        profile = self.model.fold_in(
            self.catalogue.external(user.revealed_rows), user.revealed_stars
        )
        recommended = self.model.recommend(profile, n=n)
        ranked = self.catalogue.rows(np.asarray([r.movie_id for r in recommended], np.int64))
        assert (ranked != MISSING).all()  # checked in __init__: the model's ids are in it
        stars = self.model.predict(profile, self.catalogue.external(user.heldout_rows))
        return Answer(ranked, stars.astype(np.float64))


class ServedStars:
    """The same ``Model``'s predicted stars (``predict_all``) used as the ranking.

    Raises
    ------
    ValueError
        The model's items are not exactly the catalogue (rows must coincide).
    """

    def __init__(self, model: Model, catalogue: Vocabulary, name: str = "mf-stars") -> None:
        if not np.array_equal(model.items.ids, catalogue.ids):
            raise ValueError(f"{name}: the model's items are not the split's catalogue")
        self.model = model
        self.catalogue = catalogue
        self.name = name

    def answer(self, user: TestUser, n: int) -> Answer:
        profile = self.model.fold_in(
            self.catalogue.external(user.revealed_rows), user.revealed_stars
        )
        ranking: npt.NDArray[np.float64] = self.model.predict_all(profile).astype(np.float64)
        ranked = answer_from_scores(user, n, ranking, None).ranked
        # The stars shown are Model.predict's, exactly as for ServedModel.
        stars = self.model.predict(profile, self.catalogue.external(user.heldout_rows))
        return Answer(ranked, stars.astype(np.float64))
