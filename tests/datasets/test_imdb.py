"""IMDb readers on tiny gzip/plain TSV files in IMDb's format (\\N, no quoting, \\x02 arrays)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from moviematch.datasets import imdb
from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.datasets.imdb import TitleAka, english_title


def tsv(tmp_path: Path, name: str, rows: list[list[str]], *, gz: bool = True) -> Path:
    text = "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")
    path = tmp_path / (name + (".tsv.gz" if gz else ".tsv"))
    path.write_bytes(gzip.compress(text) if gz else text)
    return path


BASICS = [
    imdb.TITLE_BASICS_HEADER,
    [
        "tt0000001",
        "short",
        "Carmencita",
        "Carmencita",
        "0",
        "1894",
        "\\N",
        "1",
        "Documentary,Short",
    ],
    [
        "tt0114709",
        "movie",
        "Toy Story",
        "Toy Story",
        "0",
        "1995",
        "\\N",
        "81",
        "Adventure,Animation,Comedy",
    ],
    ["tt0133093", "movie", 'The "Matrix"', "The Matrix", "0", "1999", "\\N", "\\N", "\\N"],
    ["tt9999999", "tvSeries", "Show", "Show", "1", "2001", "2005", "30", "Drama"],
]


@pytest.mark.parametrize("gz", [True, False])
def test_title_basics_keeps_only_requested_ids(tmp_path: Path, gz: bool) -> None:
    path = tsv(tmp_path, "title.basics", BASICS, gz=gz)
    rows = list(imdb.iter_title_basics(path, {"tt0114709", "tt0133093", "tt9999999", "tt404"}))
    assert [r.tconst for r in rows] == ["tt0114709", "tt0133093", "tt9999999"]
    toy, matrix, show = rows
    assert toy == imdb.TitleBasics(
        "tt0114709",
        "movie",
        "Toy Story",
        "Toy Story",
        1995,
        81,
        ("Adventure", "Animation", "Comedy"),
        False,
        None,
    )
    assert matrix.primary_title == 'The "Matrix"'  # quotes are ordinary characters
    assert (matrix.runtime_minutes, matrix.genres) == (None, ())
    assert (show.is_adult, show.end_year) == (True, 2005)
    assert len(list(imdb.iter_title_basics(path, None))) == 4


def test_title_akas_arrays_and_flags(tmp_path: Path) -> None:
    path = tsv(
        tmp_path,
        "title.akas",
        [
            imdb.TITLE_AKAS_HEADER,
            ["tt0133093", "1", "Matrix", "DE", "\\N", "imdbDisplay", "\\N", "0"],
            ["tt0133093", "2", "The Matrix", "\\N", "\\N", "original", "\\N", "1"],
            [
                "tt0133093",
                "3",
                "The Matrix",
                "US",
                "en",
                "imdbDisplay\x02dvd",
                "literal\x02short title",
                "0",
            ],
        ],
    )
    akas = list(imdb.iter_title_akas(path, {"tt0133093"}))
    assert [a.ordering for a in akas] == [1, 2, 3]
    assert akas[0].language is None
    assert akas[0].region == "DE"
    assert akas[1].is_original_title
    assert akas[1].types == ("original",)
    assert akas[2].types == ("imdbDisplay", "dvd")
    assert akas[2].attributes == ("literal", "short title")


def test_crew_principals_names(tmp_path: Path) -> None:
    crew = tsv(
        tmp_path,
        "title.crew",
        [
            imdb.TITLE_CREW_HEADER,
            ["tt0133093", "nm0905152,nm0905154", "nm0905154,nm0905152"],
            ["tt0000001", "\\N", "\\N"],
        ],
    )
    assert list(imdb.iter_title_crew(crew, {"tt0000001"})) == [imdb.TitleCrew("tt0000001", (), ())]
    (matrix,) = imdb.iter_title_crew(crew, {"tt0133093"})
    assert matrix.directors == ("nm0905152", "nm0905154")
    principals = tsv(
        tmp_path,
        "title.principals",
        [
            imdb.TITLE_PRINCIPALS_HEADER,
            ["tt0133093", "1", "nm0000206", "actor", "\\N", '["Neo","Thomas \\"Tom\\" Anderson"]'],
            ["tt0133093", "5", "nm0905152", "director", "\\N", "\\N"],
            ["tt0133093", "9", "nm0001", "writer", "screenplay", "\\N"],
        ],
    )
    rows = list(imdb.iter_title_principals(principals, {"tt0133093"}))
    assert rows[0].characters == ("Neo", 'Thomas "Tom" Anderson')
    assert rows[1] == imdb.Principal("tt0133093", 5, "nm0905152", "director", None, ())
    assert rows[2].job == "screenplay"
    names = tsv(
        tmp_path,
        "name.basics",
        [
            imdb.NAME_BASICS_HEADER,
            ["nm0000206", "Keanu Reeves", "1964", "\\N", "actor,producer", "tt0133093,tt0234215"],
            ["nm0000001", "Fred Astaire", "1899", "1987", "actor", "\\N"],
        ],
    )
    keanu, fred = imdb.iter_name_basics(names, {"nm0000206", "nm0000001"})
    assert (keanu.birth_year, keanu.death_year) == (1964, None)
    assert keanu.primary_profession == ("actor", "producer")
    assert fred.death_year == 1987
    assert fred.known_for_titles == ()


def test_kept_row_errors_name_the_line(tmp_path: Path) -> None:
    rows = [*BASICS[:3], ["tt0133093", "movie", "X", "X", "0", "199x", "\\N", "1", "Drama"]]
    path = tsv(tmp_path, "title.basics", rows)
    assert len(list(imdb.iter_title_basics(path, {"tt0114709"}))) == 1  # bad row not kept
    with pytest.raises(MalformedRowError, match="startYear") as info:
        list(imdb.iter_title_basics(path, {"tt0133093"}))
    assert (info.value.path, info.value.line) == (path, 4)
    short = tsv(tmp_path, "short", [BASICS[0], ["tt0133093", "movie", "X"]])
    with pytest.raises(MalformedRowError, match="expected 9 tab-separated fields, got 3"):
        list(imdb.iter_title_basics(short, {"tt0133093"}))
    json_bad = tsv(
        tmp_path, "p", [imdb.TITLE_PRINCIPALS_HEADER, ["tt1", "1", "nm1", "actor", "\\N", "[Neo"]]
    )
    with pytest.raises(MalformedRowError, match="characters is not JSON") as info:
        list(imdb.iter_title_principals(json_bad, {"tt1"}))
    assert info.value.line == 2


def test_wrong_header(tmp_path: Path) -> None:
    path = tsv(tmp_path, "title.crew", [["tconst", "writers", "directors"]])
    with pytest.raises(MalformedRowError, match="expected header") as info:
        list(imdb.iter_title_crew(path, None))
    assert info.value.line == 1


def test_truncated_gzip(tmp_path: Path) -> None:
    rows = [BASICS[0]] + [
        [f"tt{i:07d}", "movie", f"Title {i}", f"Title {i}", "0", "1990", "\\N", "90", "Drama"]
        for i in range(5000)
    ]
    path = tsv(tmp_path, "title.basics", rows)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MalformedRowError, match="truncated") as info:
        list(imdb.iter_title_basics(path, None))
    assert info.value.path == path
    assert 2 < info.value.line < 5002
    path.write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(MalformedRowError, match="corrupt"):
        list(imdb.iter_title_basics(path, None))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot open"):
        list(imdb.iter_name_basics(tmp_path / "name.basics.tsv.gz", None))


def aka(ordering, title, region=None, language=None, types=(), attributes=()):
    return TitleAka(
        "tt1", ordering, title, region, language, tuple(types), False, tuple(attributes)
    )


def test_english_title_rules() -> None:
    assert english_title([]) is None
    assert english_title([aka(1, "Matrix", "DE"), aka(2, "Matrix", "FR", "fr")]) is None
    # imdbDisplay beats region order; US beats GB at the same type.
    assert (
        english_title(
            [
                aka(1, "US working", "US", types=["working"]),
                aka(2, "GB display", "GB", types=["imdbDisplay"]),
                aka(3, "US display", "US", types=["imdbDisplay"]),
            ]
        )
        == "US display"
    )
    assert (
        english_title(
            [
                aka(1, "US working", "US", types=["working"]),
                aka(2, "GB display", "GB", types=["imdbDisplay"]),
            ]
        )
        == "GB display"
    )
    # An untyped regional title beats a festival one; attributes rank lower.
    assert (
        english_title(
            [
                aka(1, "Festival", "US", types=["festival"]),
                aka(2, "Literal", "US", attributes=["literal English title"]),
                aka(3, "Plain", "CA"),
            ]
        )
        == "Plain"
    )
    # Language-only match (world-wide English title) when no English region exists.
    assert english_title([aka(1, "Le Titre", "FR"), aka(2, "The Title", "XWW", "en")]) == (
        "The Title"
    )
    # Ties go to IMDb's ordering.
    assert english_title([aka(4, "Later", "US"), aka(2, "Earlier", "US")]) == "Earlier"


def test_find_files(tmp_path: Path) -> None:
    for stem in imdb.FILE_STEMS[:-1]:
        tsv(tmp_path, stem, [["x"]])
    with pytest.raises(DatasetError, match=r"missing IMDb file\(s\) name\.basics\.tsv\.gz"):
        imdb.find_files(tmp_path)
    tsv(tmp_path, "name.basics", [["x"]], gz=False)
    found = imdb.find_files(tmp_path)
    assert found["name.basics"].name == "name.basics.tsv"
    assert found["title.akas"].name == "title.akas.tsv.gz"
