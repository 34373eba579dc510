"""``manage.py download_data NAME [--from DIR] [--imdb]``: put a dataset in the data directory."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.datasets import download
from moviematch.datasets.errors import DatasetError, OfflineError, os_error_message


def datasets_dir() -> Path:
    """Where installed datasets live: ``<DATA_DIR>/datasets``."""
    return Path(settings.DATA_DIR) / "datasets"


class Command(BaseCommand):
    help = (
        "Install a MovieLens dataset (and optionally the IMDb files) under the data directory: "
        "from --from DIR (a folder or the .zip), else $MOVIEMATCH_MOVIELENS_DIR, else download "
        "with checksum verification. Offline, it fails at once and says how to supply the files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(n for n in download.DATASETS if n != "imdb"))
        parser.add_argument("--from", dest="source", type=Path, help="local copy to use")
        parser.add_argument("--imdb", action="store_true", help="also get the IMDb datasets")
        parser.add_argument(
            "--imdb-from", dest="imdb_source", type=Path, help="local copy of the IMDb files"
        )

    def handle(
        self,
        *args: object,
        name: str,
        source: Path | None,
        imdb: bool,
        imdb_source: Path | None,
        **options: object,
    ) -> None:
        target = dataset_ensure(name=name, source=source)
        self.stdout.write(f"{name}: {target}")
        if imdb or imdb_source:
            self.stdout.write(f"imdb: {dataset_ensure(name='imdb', source=imdb_source)}")


def dataset_ensure(*, name: str, source: Path | None) -> Path:
    """Install dataset ``name`` (see the command's help); errors become ``CommandError``.

    Without ``source``, the local copy and the download URL come from the settings
    (``MOVIEMATCH["MOVIELENS_DIR"]``/``["MOVIELENS_URL"]``, or the ``IMDB_`` pair for IMDb).
    """
    kind = "IMDB" if name == "imdb" else "MOVIELENS"
    configured = settings.MOVIEMATCH
    local = source or configured[f"{kind}_DIR"]
    try:
        return download.ensure(
            name, datasets_dir(), source_dir=local, base_url=configured[f"{kind}_URL"]
        )
    except OfflineError as exc:
        raise CommandError(f"{exc}\n(Or set MOVIEMATCH_{kind}_DIR=DIR.)") from exc
    except DatasetError as exc:
        raise CommandError(f"{name}: {exc}") from exc
    except OSError as exc:  # a full disk, a read-only or misplaced data directory
        raise CommandError(f"{name}: cannot install: {os_error_message(exc)}") from exc
