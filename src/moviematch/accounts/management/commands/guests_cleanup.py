"""``manage.py guests_cleanup``: delete guest accounts past their lifetime, with their ratings."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from moviematch.accounts.selectors import guest_lifetime
from moviematch.accounts.services import guests_cleanup


class Command(BaseCommand):
    help = (
        "Delete guest accounts whose last visit is older than MOVIEMATCH_GUEST_DAYS days "
        "(default 30), with their ratings. Safe to run from cron at any time."
    )

    def handle(self, *args: object, **options: object) -> None:
        deleted = guests_cleanup()
        days = guest_lifetime().total_seconds() / 86400
        self.stdout.write(f"Deleted {deleted} guest account(s) not seen for {days:g} days")
