"""Production settings: ``check --deploy`` is clean, and every variable is documented.

Each test runs Django in a subprocess, because the settings are read from the environment
once, at import. The headers a production server sends: tests/production/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "src" / "moviematch" / "config" / "settings" / "base.py"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server (README "Deploying"), plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MOVIEMATCH_", "DJANGO_", "TMDB_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="moviematch.config.settings.base",
        MOVIEMATCH_DATA_DIR=str(tmp_path),
        MOVIEMATCH_DEBUG="0",
        MOVIEMATCH_SECRET_KEY=secrets.token_urlsafe(50),
        MOVIEMATCH_ALLOWED_HOSTS="movies.example.org",
    )
    env.update(extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_a_warning(tmp_path: Path) -> None:
    result = _check_deploy(_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_development_settings_are_what_check_deploy_warns_about(tmp_path: Path) -> None:
    """The contrast: debug on, no HSTS, no redirect, plain cookies are each reported."""
    result = _check_deploy(_env(tmp_path, MOVIEMATCH_DEBUG="1"))
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr, check


def test_debug_off_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = _check_deploy(_env(tmp_path, MOVIEMATCH_SECRET_KEY=""))
    assert result.returncode != 0
    assert "Set MOVIEMATCH_SECRET_KEY" in result.stderr


def test_a_malformed_flag_is_a_clear_error(tmp_path: Path) -> None:
    result = _check_deploy(_env(tmp_path, MOVIEMATCH_SSL_REDIRECT="maybe"))
    assert result.returncode != 0
    assert "MOVIEMATCH_SSL_REDIRECT='maybe': expected 1 or 0" in result.stderr


def test_every_environment_variable_is_in_the_readme_table() -> None:
    """Settings or gunicorn.conf.py read a variable → README's configuration table names it."""
    code = BASE.read_text(encoding="utf-8") + (ROOT / "gunicorn.conf.py").read_text("utf-8")
    names = set(re.findall(r'(?:environ\.get|_env_flag|_env_list)\(\s*"([A-Z0-9_]+)"', code))
    assert {"MOVIEMATCH_DEBUG", "MOVIEMATCH_HSTS_SECONDS", "MOVIEMATCH_WORKERS"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = sorted(n for n in names if f"`{n}`" not in table)
    assert not missing, f"not in README's configuration table: {missing}"


def _throttle_rates(env: dict[str, str]) -> dict[str, str | None]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rates: dict[str, str | None] = json.loads(result.stdout)
    return rates


def test_turning_the_rate_limits_off_turns_the_api_throttles_off_too(tmp_path: Path) -> None:
    on = _throttle_rates(_env(tmp_path))
    assert on == {"auth.guest": "20/hour", "auth.signup": "10/hour", "auth.token": "10/minute"}
    off = _throttle_rates(_env(tmp_path, MOVIEMATCH_RATELIMIT="0"))
    assert off == dict.fromkeys(on)  # what DRF's ScopedRateThrottle never throttles
