"""``manage.py ratings_export [--format csv|json] [--output FILE]``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.ratings.transfer import FIELDS, ratings_export


class Command(BaseCommand):
    help = (
        f"Write every site user's ratings ({', '.join(FIELDS)}) as CSV or JSON, to a file or "
        "to standard output. Re-import them with ratings_import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
        parser.add_argument("--output", type=Path, help="file to write (default: stdout)")

    def handle(self, *args: object, format: str, output: Path | None, **options: object) -> None:
        if output is None:
            count = ratings_export(out=self.stdout, fmt=format)  # type: ignore[arg-type]
            sys.stderr.write(f"exported {count} ratings\n")
            return
        tmp = output.with_name(f".{output.name}.tmp")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                count = ratings_export(out=handle, fmt=format)  # type: ignore[arg-type]
            tmp.replace(output)  # a reader never sees half a file
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        self.stdout.write(f"exported {count} ratings to {output}")
