"""``manage.py setup``: from an empty machine to a servable site, safely re-runnable."""

from __future__ import annotations

import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from moviematch.catalog.fingerprint import directory_fingerprint
from moviematch.catalog.import_imdb import IMDB_FILES
from moviematch.catalog.import_movielens import MOVIELENS_FILES, rating_store_dir
from moviematch.catalog.management.commands.download_data import dataset_ensure
from moviematch.catalog.management.commands.filter_catalog import imported_dataset_min_ratings
from moviematch.catalog.models import ImportKind
from moviematch.catalog.run_lock import CatalogueBusyError, catalogue_lock
from moviematch.catalog.selectors import import_run_latest
from moviematch.catalog.services import catalogue_filter
from moviematch.datasets.errors import DatasetError, os_error_message
from moviematch.datasets.rating_store import read_manifest
from moviematch.recommendations import services


class Command(BaseCommand):
    help = (
        "Migrate, get the MovieLens data (--from DIR, $MOVIEMATCH_MOVIELENS_DIR, or download), "
        "import it (and IMDb with --imdb/$MOVIEMATCH_IMDB_DIR), filter the catalogue and train "
        "the model. Steps already done with the same inputs are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", type=Path, help="local MovieLens copy")
        parser.add_argument("--dataset", default="ml-latest-small", help="MovieLens dataset")
        parser.add_argument("--imdb", action="store_true", help="also get and import IMDb")
        parser.add_argument("--imdb-from", dest="imdb_source", type=Path, help="local IMDb copy")
        parser.add_argument(
            "--min-ratings",
            type=int,
            default=None,
            help="catalogue filter (default: per dataset, see filter_catalog --help)",
        )
        parser.add_argument("--force", action="store_true", help="redo every step")
        parser.add_argument("--no-eval", action="store_true", help="train without evaluating")
        parser.add_argument(
            "--tune",
            action="store_true",
            help="tune the ranker on the training users (see train_model --tune; minutes)",
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            _ensure_data_dir()
            with catalogue_lock():
                self._setup(options)
        except CatalogueBusyError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # a full disk, a read-only or misplaced data directory
            raise CommandError(f"setup stopped: {os_error_message(exc)}") from exc

    def _setup(self, options: dict[str, object]) -> None:
        started = time.perf_counter()
        force = bool(options["force"])
        steps: dict[str, float] = {}

        def step(name: str, since: float) -> float:
            now = time.perf_counter()
            steps[name] = now - since
            return now

        summary: list[str] = [self._migrate()]
        since = step("migrate", started)

        # Without --from, dataset_ensure falls back to MOVIEMATCH["MOVIELENS_DIR"], then downloads.
        source = _path(options["source"])
        movielens_dir = dataset_ensure(name=str(options["dataset"]), source=source)
        summary.append(f"data: {movielens_dir}")
        since = step("data", since)
        summary.append(
            self._import(
                "import_movielens", ImportKind.MOVIELENS, movielens_dir, MOVIELENS_FILES, force
            )
        )
        since = step("import", since)
        imdb_source = options["imdb_source"] or settings.MOVIEMATCH["IMDB_DIR"]
        if options["imdb"] or imdb_source:
            imdb_dir = dataset_ensure(name="imdb", source=_path(imdb_source))
            summary.append(
                self._import("import_imdb", ImportKind.IMDB, imdb_dir, IMDB_FILES.values(), force)
            )
            since = step("imdb", since)

        chosen = options["min_ratings"]
        min_ratings = imported_dataset_min_ratings() if chosen is None else int(str(chosen))
        if min_ratings < 0:
            raise CommandError(f"--min-ratings must be >= 0, got {min_ratings}")
        report = catalogue_filter(min_ratings=min_ratings)
        dropped = ", ".join(f"{n} {reason}" for reason, n in report.dropped.items() if n)
        summary.append(
            f"catalogue: {report.kept} of {report.total} movies kept"
            + (f" (dropped: {dropped})" if dropped else "")
            + f"; at least {min_ratings} ratings"
        )
        since = step("filter", since)

        if not force and services.model_is_up_to_date():
            summary.append("model: up to date (skipped)")
        else:
            out = StringIO()
            # Training reads the import's rating store, not the CSV again.
            train_args = ["--no-eval"] if options["no_eval"] else []
            train_args += ["--tune"] if options["tune"] else []
            call_command("train_model", *train_args, stdout=out)
            summary.append("model: " + out.getvalue().strip().replace("\n", "\n       "))
        step("train", since)

        self.stdout.write("Setup done in %.1f s" % (time.perf_counter() - started))
        self.stdout.write("  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
        for line in summary:
            self.stdout.write(f"  {line}")

    def _migrate(self) -> str:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            return "database: up to date"
        call_command("migrate", interactive=False, verbosity=0)
        return f"database: applied {len(plan)} migrations"

    def _import(
        self, command: str, kind: ImportKind, directory: Path, files: object, force: bool
    ) -> str:
        last = import_run_latest(kind=kind)
        fingerprint = directory_fingerprint(directory, files)  # type: ignore[arg-type]
        if (
            not force
            and last is not None
            and last.fingerprint == fingerprint
            and Path(last.source_dir) == directory.resolve()
            and _store_current(kind, last.fingerprint)
        ):
            return f"{kind.label}: already imported from {directory} (skipped)"
        out = StringIO()
        call_command(command, str(directory), stdout=out)
        return out.getvalue().strip()


def _store_current(kind: ImportKind, fingerprint: str) -> bool:
    """A MovieLens import is only done when its rating store is there and its own."""
    if kind != ImportKind.MOVIELENS:
        return True
    try:
        return bool(read_manifest(rating_store_dir())["source"] == fingerprint)
    except DatasetError:
        return False


def _ensure_data_dir() -> None:
    """Create the data directory (and the SQLite file's folder) on a fresh machine."""
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)


def _path(value: object) -> Path | None:
    return Path(str(value)) if value else None
