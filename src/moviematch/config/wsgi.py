"""WSGI entry point."""

import os

# One BLAS thread per worker: a request's matrix-vector products are small, and OpenBLAS's
# thread pool only adds waiting on a loaded host (measured in docs/serving.md). Run more
# workers to use more cores. Set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviematch.config.settings.base")
application = get_wsgi_application()
