"""Settings of a site run for the schemathesis pass: the base settings, throttles opened.

The account endpoints are throttled to a few calls per client; fuzzing them needs thousands.
``DJANGO_SETTINGS_MODULE=tests.api.fuzz_settings python manage.py runserver`` (docs/api.md).
"""

from moviematch.config.settings.base import *  # noqa: F403
from moviematch.config.settings.base import REST_FRAMEWORK

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "100000/minute" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}
