"""The ``moviematch`` command: train → recommend, evaluate, and clean errors on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moviematch.cli import main, parse_rating
from tests.spark_support import require_spark


def write_ratings_csv(
    directory: Path, n_users: int = 90, n_movies: int = 30, seed: int = 0
) -> Path:
    """A small ``ratings.csv`` in the MovieLens format with two taste groups.

    Users of group g watch mostly movies with id % 2 == g and give them 4-5 stars; the few
    movies of the other group they watch get 1-2 stars. Movie ids are 101, 102, ...
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["userId,movieId,rating,timestamp"]
    for user in range(1, n_users + 1):
        group = user % 2
        weights = np.where(np.arange(n_movies) % 2 == group, 5.0, 1.0)
        chosen = rng.choice(n_movies, size=18, replace=False, p=weights / weights.sum())
        for i in sorted(chosen):
            stars = rng.choice([4.0, 4.5, 5.0]) if i % 2 == group else rng.choice([1.0, 2.0])
            lines.append(f"{user},{101 + i},{stars},{1_500_000_000 + user}")
    (directory / "ratings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ratings_csv(tmp_path_factory.mktemp("ml") / "tiny")


@pytest.fixture(scope="module")
def model_dir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model"
    code = main(
        ["--quiet", "train", str(data_dir), "--out", str(out), "--epochs", "20", "--factors", "4"]
    )
    assert code == 0
    return out


def test_train_then_recommend_follows_the_users_taste(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    # A fan of group 0 (even offsets: ids 101, 103, ...) who dislikes one group-1 film.
    rate = ["--rate", "101=5", "--rate", "103=4.5", "--rate", "104=1"]
    code = main(["recommend", str(model_dir), *rate, "-n", "5"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["rank", "movie_id", "stars"]
    rows = [line.split() for line in out[1:]]
    assert len(rows) == 5
    ids = [int(r[1]) for r in rows]
    assert not {101, 103, 104} & set(ids)
    assert all((i - 101) % 2 == 0 for i in ids), ids  # all from the user's group
    assert all(0.5 <= float(r[2]) <= 5.0 for r in rows)


def test_recommend_follows_current_in_a_published_model_root(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``moviematch recommend var/model`` reads the version ``CURRENT`` names."""
    import shutil

    from moviematch.recommender import publish

    root = tmp_path / "model"
    publish(root, lambda path: shutil.copytree(model_dir, path))
    publish(root, lambda path: shutil.copytree(model_dir, path))
    assert (root / "CURRENT").read_text(encoding="utf-8").strip() == "v000002"
    rate = ["--rate", "101=5", "--rate", "103=4.5"]
    capsys.readouterr()
    assert main(["recommend", str(root), *rate, "-n", "3"]) == 0
    via_root = capsys.readouterr().out
    assert main(["recommend", str(root / "v000002"), *rate, "-n", "3"]) == 0
    assert capsys.readouterr().out == via_root
    assert len(via_root.splitlines()) == 4

    (root / "CURRENT").write_text("v000009\n", encoding="utf-8")
    assert main(["recommend", str(root), *rate]) == 2
    assert "not a model version" in capsys.readouterr().err


@pytest.mark.slow
def test_train_on_spark_saves_a_model_that_recommends_alike(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moviematch.recommender import Model

    require_spark()
    out, spool = tmp_path / "spark-model", tmp_path / "spool"
    args = ["--quiet", "train", str(data_dir), "--out", str(out), "--factors", "4"]
    spark = ["--backend", "spark", "--spark-master", "local[2]", "--spark-spool", str(spool)]
    assert main([*args, *spark, "--spark-iterations", "8"]) == 0
    assert "(spark MF)" in capsys.readouterr().out
    assert Model.load(out).metadata["mf_backend"] == "spark"
    assert spool.is_dir()
    assert not any(spool.iterdir())  # the spooled ratings are removed afterwards
    rate = ["--rate", "101=5", "--rate", "103=4.5", "--rate", "104=1"]
    assert main(["recommend", str(out), *rate, "-n", "5"]) == 0
    ids = [int(line.split()[1]) for line in capsys.readouterr().out.splitlines()[1:]]
    assert all((i - 101) % 2 == 0 for i in ids), ids  # the user's group, as with numba


def test_an_unknown_backend_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "d", "--out", "m", "--backend", "gpu"])
    assert "invalid choice: 'gpu'" in capsys.readouterr().err


def test_train_does_not_tune_unless_asked(model_dir: Path) -> None:
    from moviematch.recommender import Model, RankerConfig
    from moviematch.recommender.ranker import ItemItemRanker

    # Like manage.py train_model: the ranker values given (here the defaults) are used.
    ranker = Model.load(model_dir).component("ranker")
    assert isinstance(ranker, ItemItemRanker)
    assert ranker.config == RankerConfig()


def test_train_with_tune_writes_the_tuned_ranker_into_the_model(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moviematch.recommender import Model
    from moviematch.recommender.ranker import ItemItemRanker

    out = tmp_path / "tuned"
    args = ["--quiet", "train", str(data_dir), "--out", str(out), "--epochs", "10"]
    assert main([*args, "--factors", "4", "--tune", "--tune-reveal", "random"]) == 0
    assert "validation NDCG@10" in capsys.readouterr().err
    ranker = Model.load(out).component("ranker")
    assert isinstance(ranker, ItemItemRanker)
    assert ranker.config.l2 in (0.01, 0.05, 0.25, 1.0, 4.0)  # chosen from the tuning grid
    assert ranker.config.top_k == 100


def test_evaluate_prints_the_table_and_writes_json(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "eval.json"
    fast = ["--epochs", "10", "--factors", "4", "--n-reveal", "5", "--cv-folds", "3"]
    code = main(["--quiet", "evaluate", str(data_dir), "--json", str(out), "--seed", "1", *fast])
    assert code == 0
    text = capsys.readouterr().out
    for name in ("popularity", "bias-only", "ease", "implicit-als", "mf-stars", "ours", "NDCG@10"):
        assert name in text
    assert "CV" in text
    assert "C_KL" in text
    payload = json.loads(out.read_text(encoding="utf-8"))
    methods = {m["method"]: m for m in payload["methods"]}
    assert set(methods) == {"popularity", "bias-only", "ease", "implicit-als", "mf-stars", "ours"}
    assert payload["protocol"]["seed"] == 1
    assert payload["split"]["test_users"] == 18  # 20% of 90
    assert methods["ours"]["ndcg"]["10"] > methods["popularity"]["ndcg"]["10"]
    assert methods["popularity"]["rmse"] is None
    assert payload["mf_cross_validation"]["folds"] == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "{missing}", "--out", "{tmp}/m"], "no such directory"),
        (["evaluate", "{missing}"], "no such directory"),
        (["evaluate", "{empty}"], "no ratings.csv or u.data"),
        (["recommend", "{tmp}/nothing", "--rate", "101=4"], "no such model"),
        (["recommend", "{model}", "--rate", "99999=4"], "unknown movie id(s)"),
        (["recommend", "{model}", "--rate", "101=4", "--rate", "101=3"], "rated once"),
        (["evaluate", "{data}", "--test-fraction", "1.5"], "--test-fraction"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    argv: list[str],
    message: str,
    tmp_path: Path,
    data_dir: Path,
    model_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    values = {
        "missing": str(tmp_path / "missing"),
        "empty": str(tmp_path / "empty"),
        "tmp": str(tmp_path),
        "model": str(model_dir),
        "data": str(data_dir),
    }
    code = main(["--quiet", *[a.format(**values) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_malformed_rating_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("101", "x=4", "101=abc", "101=0", "101=5.5", "101=nan"):
        with pytest.raises(SystemExit) as excinfo:
            main(["recommend", "m", "--rate", bad])
        assert excinfo.value.code == 2
        assert "--rate" in capsys.readouterr().err
    assert parse_rating(" 318 = 4.5 ") == (318, 4.5)


def test_malformed_ratings_file_names_path_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,2,4.0,5\n1,3,lots,6\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "moviematch.cli", "evaluate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "ratings.csv" in result.stderr
    assert "3" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_option_has_help_text() -> None:
    from moviematch.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():  # type: ignore[union-attr]
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name}: option {action.dest} has no help"
