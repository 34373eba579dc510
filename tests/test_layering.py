"""The engine and the readers never import Django (ARCHITECTURE.md rule 1)."""

import subprocess
import sys

import pytest


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
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} imported Django modules: {out}"
