"""The layers of docs/design.md, checked by reading every import of every module.

The rules are checked on the syntax tree, so an import inside a function, a relative import
or ``importlib.import_module("...")`` with a literal name counts like any other. Each rule
is shown to catch a planted violation, so the check cannot pass by reading nothing.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PURE_PACKAGES = ("moviematch.recommender", "moviematch.datasets", "moviematch.integrations")
ENGINE = "moviematch.recommender"
#: Django apps (their modules are ``moviematch.<app>...``).
APPS = ("accounts", "catalog", "ratings", "recommendations", "media", "pages", "api")
#: The modules of another app a view, API or serializer module may import.
APP_DOORS = ("services", "selectors", "errors")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module, dotted (``from a import b`` gives ``a.b`` and ``a``)
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(path: Path, root: Path) -> Iterator[Import]:
    """Every module ``path`` imports, wherever the statement stands."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield Import(module, base, node.lineno)
            for alias in node.names:
                yield Import(module, f"{base}.{alias.name}", node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield Import(module, node.args[0].value, node.lineno)


def all_imports(root: Path) -> list[Import]:
    return [i for path in sorted(root.rglob("*.py")) for i in imports_in(path, root)]


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def app_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "moviematch" and parts[1] in APPS else None


def is_web_entry(name: str) -> bool:
    """Views, API and serializer modules (or packages of them)."""
    return any(p in {"views", "apis", "api", "serializers"} for p in name.split(".")[2:]) or (
        app_of(name) == "api"
    )


def violations(imports: list[Import]) -> list[str]:
    found: list[str] = []
    for i in imports:
        inside_pure = any(within(i.module, p) for p in PURE_PACKAGES)
        if inside_pure and within(i.target, "django"):
            found.append(f"{i}: the pure packages never import Django")
        if inside_pure and app_of(i.target):
            found.append(f"{i}: the pure packages never import a Django app")
        if within(i.module, ENGINE) and (
            within(i.target, "moviematch.datasets") or within(i.target, "moviematch.integrations")
        ):
            found.append(f"{i}: the engine does not depend on the readers or integrations")
        if within(i.target, ENGINE) and not within(i.module, ENGINE):
            if within(i.module, "moviematch.datasets"):
                if not within(i.target, f"{ENGINE}.data"):
                    found.append(f"{i}: datasets may use only the engine's data containers")
            elif within(i.module, "moviematch.recommendations.services") or i.module == (
                "moviematch.cli"
            ):
                if not _through_facade(i.target):
                    found.append(f"{i}: the engine is imported through its façade only")
            else:
                found.append(f"{i}: only recommendations.services imports the engine")
        own = app_of(i.module)
        other = app_of(i.target)
        if is_web_entry(i.module) and other and other != own:
            door = i.target.split(".")[2:3]
            if not door or door[0] not in APP_DOORS:
                found.append(
                    f"{i}: views and APIs reach another app through its {', '.join(APP_DOORS)} only"
                )
    return found


def _through_facade(target: str) -> bool:
    """``moviematch.recommender`` itself, or a name it exports (not one of its submodules)."""
    if target == ENGINE:
        return True
    name = target.removeprefix(ENGINE + ".")
    engine_dir = SRC / "moviematch" / "recommender"
    return "." not in name and not (
        (engine_dir / f"{name}.py").exists() or (engine_dir / name).is_dir()
    )


def test_the_code_follows_the_layers() -> None:
    imports = all_imports(SRC)
    assert len(imports) > 500  # the walk really read the package
    assert violations(imports) == []


def _plant(tmp_path: Path, module: str, code: str) -> list[str]:
    path = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code, encoding="utf-8")
    return violations(list(imports_in(path, tmp_path)))


@pytest.mark.parametrize(
    ("module", "code", "rule"),
    [
        (
            "moviematch.recommender.vocab",
            "def f():\n    from django.conf import settings\n",
            "never import Django",
        ),
        (
            "moviematch.datasets.x",
            "import importlib\nimportlib.import_module('django.db')\n",
            "Django",
        ),
        ("moviematch.integrations.tmdb.x", "from moviematch.catalog import models\n", "Django app"),
        ("moviematch.recommender.cli", "from moviematch.datasets import movielens\n", "readers"),
        ("moviematch.datasets.x", "from moviematch.recommender.model import Model\n", "data"),
        (
            "moviematch.catalog.views",
            "from moviematch.recommender import Model\n",
            "only recommend",
        ),
        (
            "moviematch.recommendations.services.x",
            "from moviematch.recommender.ranker import RankerConfig\n",
            "façade",
        ),
        (
            "moviematch.recommendations.services.x",
            "from moviematch.recommender import ranker\n",
            "façade",
        ),
        ("moviematch.ratings.views", "from moviematch.catalog.models import Movie\n", "reach"),
        ("moviematch.api.movies", "from moviematch.catalog.models import Movie\n", "reach"),
        ("moviematch.ratings.apis", "from ..catalog.import_movielens import x\n", "reach"),
    ],
)
def test_a_planted_violation_is_caught(tmp_path: Path, module: str, code: str, rule: str) -> None:
    found = _plant(tmp_path, module, code)
    assert found, f"{module} with {code!r} passed"
    assert any(rule in v for v in found), found


@pytest.mark.parametrize(
    ("module", "code"),
    [
        ("moviematch.recommendations.services.x", "from moviematch.recommender import Model\n"),
        ("moviematch.datasets.x", "from moviematch.recommender.data import Ratings\n"),
        ("moviematch.catalog.views", "from moviematch.recommendations.services import home_feed\n"),
        ("moviematch.catalog.views", "from moviematch.ratings.selectors import rating_map\n"),
        ("moviematch.catalog.views", "from moviematch.catalog.models import Movie\n"),
        ("moviematch.catalog.import_movielens", "from moviematch.ratings.models import Rating\n"),
    ],
)
def test_allowed_imports_pass(tmp_path: Path, module: str, code: str) -> None:
    assert _plant(tmp_path, module, code) == []


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return its stdout."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("module", PURE_PACKAGES)
def test_pure_packages_do_not_import_django_at_run_time(module: str) -> None:
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


def test_serving_a_model_does_not_load_numba(tmp_path: Path) -> None:
    """numba (~60 MB resident) is for training; a web worker only loads and serves."""
    import numpy as np

    from moviematch.recommender import MFConfig, MovieInfo, Ratings, TrainConfig, train

    rng = np.random.default_rng(0)
    users, movies = np.divmod(np.arange(400), 20)  # 20 users x 20 movies, all rated
    ratings = Ratings(users, movies + 1, rng.integers(1, 11, 400) / 2)
    info = MovieInfo(np.arange(1, 21), ["m"] * 20, np.zeros(20, np.int32), [("Drama",)] * 20)
    config = TrainConfig(mf=MFConfig(n_factors=2, n_epochs=2))
    model = train(ratings, config, movies=info)
    assert sorted(model.components) == ["onboarding", "ranker", "similarity"]
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


def test_importing_the_engine_does_not_load_scipy_stats() -> None:
    """scipy.stats (34 MB resident) is for the evaluation's figures, not for serving."""
    code = (
        "import sys\n"
        "import moviematch.recommender\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] == ['scipy', 'stats']))\n"
    )
    assert _python(code) == "[]"
