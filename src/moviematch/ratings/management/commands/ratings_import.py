"""``manage.py ratings_import FILE [--format csv|json] [--create-users]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.ratings.transfer import TransferError, ratings_import


class Command(BaseCommand):
    help = (
        "Import ratings written by ratings_export (CSV or JSON, by the file's extension unless "
        "--format is given). All or nothing: a bad row is reported with its line and nothing "
        "is written. Ratings of the same user and movie are replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=("csv", "json"))
        parser.add_argument(
            "--create-users",
            action="store_true",
            help="create users this site does not have (without a usable password)",
        )

    def handle(
        self,
        *args: object,
        file: Path,
        format: str | None,
        create_users: bool,
        **options: object,
    ) -> None:
        fmt = format or ("json" if file.suffix.lower() == ".json" else "csv")
        try:
            report = ratings_import(path=file, fmt=fmt, create_users=create_users)  # type: ignore[arg-type]
        except TransferError as exc:
            raise CommandError(f"import aborted, nothing written: {exc}") from exc
        self.stdout.write(
            f"imported {file}: {report.created} new, {report.updated} changed, "
            f"{report.unchanged} unchanged ratings; {report.users_created} users created"
        )
