"""Tag names in the catalogue: the engine's normaliser, so both count taggers alike."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from moviematch.catalog.models import MovieTag, Tag
from moviematch.catalog.tags import tag_normalise
from moviematch.recommender.data import normalize_tag
from tests.catalog.movielens_files import write_movielens


def test_the_catalogue_normalises_tags_as_the_engine_does() -> None:
    for raw in ("Sci-Fi", "sci fi", "SCI_FI", "didn't", "  Highly  Quotable "):
        assert tag_normalise(raw) == normalize_tag(raw)
    assert tag_normalise("Sci-Fi") == "sci fi"


@pytest.mark.django_db
def test_one_users_two_spellings_are_one_tagger(tmp_path: Path) -> None:
    directory = write_movielens(tmp_path / "ml")
    (directory / "tags.csv").write_text(
        "userId,movieId,tag,timestamp\n"
        "1,1,Sci-Fi,1445714994\n"
        "1,1,sci fi,1445714995\n"
        "2,1,SCI_FI,1445714996\n",
        encoding="utf-8",
    )
    call_command("import_movielens", str(directory), stdout=StringIO())
    assert list(Tag.objects.values_list("name", flat=True)) == ["sci fi"]
    # users 1 and 2: two taggers, not three applications
    assert list(MovieTag.objects.values_list("movie_id", "tag__name", "count")) == [
        (1, "sci fi", 2)
    ]
