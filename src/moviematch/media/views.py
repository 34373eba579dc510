"""``/posters/<movie_id>.svg``: the generated placeholder poster of a movie."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from moviematch.catalog.selectors import movie_get
from moviematch.media.selectors import movie_placeholder_svg

#: Browsers and proxies may keep a placeholder for a day; the ETag makes revalidation cheap.
PLACEHOLDER_MAX_AGE = 24 * 60 * 60
# Served from our own origin, an SVG is a document that could run script; even though every
# text is escaped, the browser is told to run nothing in it.
_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@require_safe
def poster_placeholder(request: HttpRequest, movie_id: int) -> HttpResponseBase:
    """The SVG poster in the language ``?lang=`` names (the default language without it).

    404 for an unknown movie, 400 for a language the site does not have, 304 when the
    client's copy is current.
    """
    language = request.GET.get("lang", settings.LANGUAGE_CODE)
    if language not in {code for code, _name in settings.LANGUAGES}:
        return HttpResponseBadRequest(
            f"lang: {language!r} is not one of the site's languages "
            f"({', '.join(code for code, _name in settings.LANGUAGES)})",
            content_type="text/plain; charset=utf-8",
        )
    try:
        movie = movie_get(movie_id=movie_id)
    except ObjectDoesNotExist:
        raise Http404("no such movie") from None
    svg = movie_placeholder_svg(movie=movie, language=language)
    body = svg.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response: HttpResponseBase | None = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _SVG_CSP
    patch_cache_control(response, public=True, max_age=PLACEHOLDER_MAX_AGE)
    return response
