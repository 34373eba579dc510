"""Tag names: the one canonical form, shared by the catalogue and the engine.

``normalize_tag`` is defined with the engine's data containers
(``moviematch.recommender.data``, the only part of the engine this package uses), since the
engine normalises the tags it is given and may not import ``datasets``. The catalogue may
not import the engine, so it takes the function from here: one definition, two users.
"""

from __future__ import annotations

from moviematch.recommender.data import normalize_tag

__all__ = ["normalize_tag"]
