"""The engine and the readers never import Django (ARCHITECTURE.md rule 1)."""

import subprocess
import sys

import pytest


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return its stdout."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(
    "module", ["moviematch.recommender", "moviematch.datasets", "moviematch.integrations"]
)
def test_pure_packages_do_not_import_django(module: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({module!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = _python(code)
    assert out == "", f"{module} imported Django modules: {out}"


def test_only_the_recommendations_service_layer_imports_the_engine() -> None:
    """Views, API, catalogue and the rest reach the engine through recommendations.services.

    ``moviematch.datasets`` may use the engine's plain data containers (it produces them).
    """
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "moviematch"
    allowed = {
        "recommendations/services.py",
        "recommendations/training_inputs.py",
        "recommendations/coldstart.py",
    }
    pattern = re.compile(r"^\s*(from|import)\s+moviematch\.recommender\b", re.MULTILINE)
    offenders = []
    for path in src.rglob("*.py"):
        relative = path.relative_to(src).as_posix()
        if relative.startswith(("recommender/", "datasets/")) or relative in allowed:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []


def test_serving_a_model_does_not_load_numba(tmp_path) -> None:
    """numba (~60 MB resident) is for training; a web worker only loads and serves."""
    import numpy as np

    from moviematch.recommender import MovieInfo, Ratings, TrainConfig, train
    from moviematch.recommender.mf import MFConfig

    rng = np.random.default_rng(0)
    users, movies = np.divmod(np.arange(400), 20)  # 20 users x 20 movies, all rated
    ratings = Ratings(users, movies + 1, rng.integers(1, 11, 400) / 2)
    info = MovieInfo(np.arange(1, 21), ["m"] * 20, np.zeros(20, np.int32), [("Drama",)] * 20)
    config = TrainConfig(mf=MFConfig(n_factors=2, n_epochs=2))
    model = train(ratings, config, movies=info)
    assert sorted(model.components) == ["ranker", "similarity"]
    model.save(tmp_path / "m")
    code = (
        "import sys\n"
        "from moviematch.recommender import Model\n"
        f"model = Model.load({str(tmp_path / 'm')!r})\n"
        "profile = model.fold_in([1, 2], [5.0, 1.0])\n"
        "model.group([r.movie_id for r in model.recommend(profile, n=10)])\n"
        "model.similar(3, 5)\n"
        "print('numba' in sys.modules)\n"
    )
    out = _python(code)
    assert out == "False"


def test_a_web_worker_does_not_load_numba() -> None:
    """Loading Django with every app, and the engine's door, leaves numba out of the process."""
    code = (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'moviematch.config.settings.test')\n"
        "import django\n"
        "django.setup()\n"
        "import moviematch.config.urls\n"
        "import moviematch.recommendations.services\n"
        "print('numba' in sys.modules)\n"
    )
    out = _python(code)
    assert out == "False"
