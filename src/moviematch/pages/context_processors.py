"""What every template of the site may use: the texts the scripts show, in the page's language."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from moviematch.accounts.selectors import guest_expires_at


def site(request: HttpRequest) -> dict[str, object]:
    """The guest banner's expiry, and ``mm_js_messages``: the texts scripts show, rendered
    with ``json_script`` so that no script carries a text of its own."""
    user = getattr(request, "user", None)
    expires = guest_expires_at(user=user) if user is not None and user.is_authenticated else None
    return {
        "mm_guest_expires": expires,
        "mm_guest_days": round(float(settings.MOVIEMATCH["GUEST_DAYS"])),
        "mm_js_messages": {
            "saving": _("Saving…"),
            "saved": _("Saved"),
            "cleared": _("Rating removed"),
            "failed": _("Not saved: %(reason)s"),
            "offline": _("no connection"),
            "login": _("Log in to rate movies."),
            "noResults": _("No movie found"),
            "loading": _("Loading…"),
            "loadFailed": _("Could not load more. Try again."),
            "progress": _("%(count)s of %(target)s"),
            "milestones": {
                "start": _("Great start! Keep going."),
                "half": _("Halfway there."),
                "almost": _("Almost done: two more."),
                "done": _("Done! Your recommendations are ready."),
            },
        },
    }
