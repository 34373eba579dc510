"""Spark in the tests: skip without pyspark or Java (fail under ``CI=true``), one session.

JVM start-up takes 20-60 s on the busy development machine, so each test module that needs
Spark starts one local session (``local_session``) and shares it; the backend uses the
session already active in the process.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def require_spark() -> None:
    """Skip the calling test (fail it under ``CI=true``) without pyspark or a Java runtime."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "pyspark is not installed (pip install -e '.[spark]')"
    else:
        if shutil.which("java") is not None:
            return
        missing = "no Java runtime (apt-get install default-jre-headless)"
    if os.environ.get("CI") == "true":
        pytest.fail(missing)
    pytest.skip(missing)


@contextmanager
def local_session(app: str, master: str = "local[2]") -> Iterator[Any]:
    """A local Spark session for a test module, started as the backend starts its own."""
    require_spark()
    from moviematch.recommender.mf_spark import SparkConfig, spark_session

    with spark_session(SparkConfig(master=master), app=app) as session:
        yield session
