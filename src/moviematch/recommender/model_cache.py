"""The model loaded in this process, swapped for a new one when a new artifact is published.

Training publishes a new artifact version and then atomically replaces the ``CURRENT``
pointer file in the model directory. Each web process keeps its model in memory and, at most
once per ``check_interval`` seconds, compares the pointer file's identity (inode, size,
modification time: one ``stat`` call) with the one it loaded. When it differs the new version
is loaded *while the old model keeps answering* other requests; only a fully loaded model is
swapped in (one reference assignment). A version that fails to load is logged (``last_error``
says why), the old model stays if there is one, and the version is tried again every
``retry_interval`` seconds in case it is repaired in place.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from moviematch.recommender.artifact import CURRENT_FILE

logger = logging.getLogger(__name__)

M = TypeVar("M")


def _pointer_signature(root: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(root / CURRENT_FILE)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class ModelCache(Generic[M]):
    """Per-process holder of the current model of one model directory.

    Parameters
    ----------
    root
        The model directory (``settings.MOVIEMATCH["MODEL_PATH"]``).
    load
        ``load(root) -> model``: loads the version the pointer names. Raises on a missing or
        corrupt artifact.
    check_interval
        Seconds between two pointer checks (the check itself is one ``stat``).
    retry_interval
        Seconds after a failed load before the same version is tried again (it may have
        been repaired in place); a new ``CURRENT`` is tried at the next check.
    clock
        Monotonic clock in seconds; tests pass a fake one.
    """

    def __init__(
        self,
        root: Path,
        *,
        load: Callable[[Path], M],
        check_interval: float = 1.0,
        retry_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root)
        self._load = load
        self._interval = check_interval
        self._retry_interval = retry_interval
        self._failed_at: float | None = None
        #: Why the last load failed (None after a successful one): for logs and health checks.
        self.last_error: str | None = None
        self._clock = clock
        self._model: M | None = None
        self._signature: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self._loading = threading.Lock()

    def get(self) -> M | None:
        """The current model, or ``None`` when nothing has been published (or loadable) yet.

        Never blocks on a reload while a model is loaded: a thread that finds another one
        loading gets the old model.
        """
        model = self._model
        now = self._clock()
        if model is not None and now - self._checked_at < self._interval:
            return model
        self._checked_at = now
        signature = _pointer_signature(self.root)
        retry = self._failed_at is not None and now - self._failed_at >= self._retry_interval
        if signature is None or (signature == self._signature and not retry):
            return model
        # the first load waits; later reloads are done by one thread while others serve
        if not self._loading.acquire(blocking=model is None):
            return model
        try:
            if _pointer_signature(self.root) != self._signature or retry:
                self._reload()
        finally:
            self._loading.release()
        return self._model

    def _reload(self) -> None:
        signature = _pointer_signature(self.root)
        try:
            fresh = self._load(self.root)
        except Exception as exc:  # a broken publish must not take the site down
            if self._model is None:
                logger.error("could not load the model published in %s: %s", self.root, exc)
            else:
                logger.error(
                    "could not load the model newly published in %s (%s); still serving the "
                    "one loaded before",
                    self.root,
                    exc,
                )
            # Not every second: the same broken version is tried again after retry_interval
            # (it may be repaired in place), or at once when CURRENT changes.
            self._signature = signature
            self._failed_at = self._clock()
            self.last_error = str(exc)
            return
        self._model = fresh
        self._signature = signature
        self._failed_at = None
        self.last_error = None
        logger.info("loaded model from %s", self.root)

    def clear(self) -> None:
        """Forget the loaded model (tests; the next ``get`` loads again)."""
        with self._loading:
            self._model = None
            self._signature = None
            self._checked_at = float("-inf")
            self._failed_at = None
            self.last_error = None
