"""gunicorn settings of the production server (``make serve``; README "Deploying").

Every value can be changed from the environment, like the site's settings:

``MOVIEMATCH_BIND``            address to listen on (default ``127.0.0.1:8000``; nginx in front)
``MOVIEMATCH_WORKERS``         worker processes (default 2 per core + 1)
``MOVIEMATCH_WORKER_TIMEOUT``  seconds a request may take before its worker is replaced (30)
``MOVIEMATCH_MAX_REQUESTS``    requests after which a worker is replaced (1000, ±10% jitter)
``MOVIEMATCH_PRELOAD``         ``1`` (default): import the site and load the model once in the
                               master; forked workers share its arrays copy-on-write
                               (bench/bench_workers.py: 273 MB PSS for 5 workers
                               and the master, against 509 MB without; README "Figures")
``MOVIEMATCH_ACCESS_LOG``      access log file, ``-`` for stdout (default), empty for none
``MOVIEMATCH_FORWARDED_ALLOW_IPS`` proxies trusted to say the scheme (default loopback)
"""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

# One BLAS thread per worker (see config/wsgi.py); set before the app is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviematch.config.settings.base")

# The checkout's package, installed (make install) or not.
pythonpath = str(Path(__file__).resolve().parent / "src")
wsgi_app = "moviematch.config.wsgi:application"
bind = os.environ.get("MOVIEMATCH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MOVIEMATCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
# A request is a few milliseconds of work; a worker stuck for this long is killed and replaced.
timeout = int(os.environ.get("MOVIEMATCH_WORKER_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Replacing workers now and then bounds any slow growth of memory; the jitter keeps them from
# all restarting at once.
max_requests = int(os.environ.get("MOVIEMATCH_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("MOVIEMATCH_PRELOAD", "1") == "1"

accesslog = os.environ.get("MOVIEMATCH_ACCESS_LOG", "-") or None
errorlog = "-"
# %(M)s: the request's duration in milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Who may say a request came over HTTPS (X-Forwarded-Proto): a proxy on this host. gunicorn
# then tells Django the scheme; for a proxy elsewhere add its address here, or set
# MOVIEMATCH_PROXY_SSL_HEADER=1 for Django to read the header itself.
forwarded_allow_ips = os.environ.get("MOVIEMATCH_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def _load_model(where: str) -> None:
    from moviematch.recommendations.services import model_current

    loaded = model_current() is not None
    logging.getLogger("gunicorn.error").info(
        "model %s in the %s", "loaded" if loaded else "NOT loaded (see above)", where
    )


def on_starting(server: object) -> None:
    """With preload: load the model in the master, before the workers are forked."""
    if preload_app:
        _load_model("master; the workers share its arrays")
        # Objects made so far are never collected: the collector then does not write to
        # their pages, which stay shared with the workers.
        gc.freeze()


def on_reload(server: object) -> None:
    """``kill -HUP`` (``systemctl reload``): the master takes a newly published model, and
    the fresh workers share it again (after a hot reload each worker holds its own copy)."""
    if preload_app:
        _load_model("master (reload)")
        gc.freeze()


def post_worker_init(worker: object) -> None:
    """Without preload each worker loads its own copy, before its first request."""
    if not preload_app:
        _load_model(f"worker {os.getpid()}")
