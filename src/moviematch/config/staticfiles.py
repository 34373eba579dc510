"""``collectstatic`` copies only what the site serves (Django's documented way to ignore files).

The npm and sidecar packages ship far more than the pages use: Bootstrap's other builds and
its scripts, ReDoc (the docs are Swagger UI), DRF's browsable-API assets (the API renders
JSON only). Leaving them out keeps ``collectstatic`` (hashing and compressing every file)
fast; the Swagger UI, admin and site files are all kept.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    ignore_patterns = [  # noqa: RUF012 (Django reads the class attribute)
        *DjangoStaticFilesConfig.ignore_patterns,
        "drf_spectacular_sidecar/redoc/*",
        "rest_framework/*",
        # node_modules/bootstrap/dist: keep css/bootstrap.min.css (and its source map)
        "css/bootstrap-*",
        "css/bootstrap.css*",
        "css/bootstrap.rtl*",
        "js/bootstrap*",
    ]
