"""``manage.py train_model``: train the engine on the catalogue and publish the artifact."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.recommendations import services
from moviematch.recommendations.errors import TrainingDataError, TrainingFailedError


class Command(BaseCommand):
    help = (
        "Train the recommender on the MovieLens ratings of catalogue movies (optionally with "
        "the site users' ratings), with genre/tag/genome features from the catalogue; print "
        "the engine's cold-start evaluation; publish the model atomically where the site "
        "picks it up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="ratings_dir",
            type=Path,
            help="MovieLens directory with the ratings (default: the last imported one)",
        )
        parser.add_argument(
            "--include-site-ratings",
            action="store_true",
            help="also train on this site's users' ratings",
        )
        parser.add_argument("--no-eval", action="store_true", help="skip the evaluation")
        parser.add_argument(
            "--tune",
            action="store_true",
            help="choose the ranker's hyperparameters on the training users (about 80 s on "
            "ml-latest-small, plus as much again to re-tune inside the evaluation); default: "
            "the values tuned on ML-100K",
        )
        parser.add_argument(
            "--reveal",
            choices=services.REVEAL_MODES,
            default="picker",
            help="how simulated new users reveal their first ten ratings, in tuning and "
            "evaluation (default: through the onboarding picker, as on the site)",
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of training and evaluation")
        backend = parser.add_argument_group("training backend (docs/spark.md)")
        backend.add_argument(
            "--backend",
            choices=services.MF_BACKENDS,
            default="numba",
            help="where matrix factorisation runs: numba on this machine (default) or Apache "
            "Spark (the 'spark' extra and Java)",
        )
        backend.add_argument(
            "--spark-master", metavar="URL", help="Spark master URL (default local[*])"
        )
        backend.add_argument(
            "--spark-spool",
            type=Path,
            metavar="DIR",
            help="where the driver writes the ratings for the executors: a directory every "
            "executor can read (default: a temporary one, for local mode)",
        )
        backend.add_argument(
            "--spark-driver-memory", metavar="SIZE", help="spark.driver.memory (default 4g)"
        )

    def handle(
        self,
        *args: object,
        ratings_dir: Path | None,
        include_site_ratings: bool,
        no_eval: bool,
        tune: bool,
        reveal: str,
        seed: int,
        backend: str,
        spark_master: str | None,
        spark_spool: Path | None,
        spark_driver_memory: str | None,
        **options: object,
    ) -> None:
        verbose = int(options.get("verbosity", 1)) >= 1  # type: ignore[call-overload]
        try:
            report = services.model_train(
                ratings_dir=ratings_dir,
                include_site_ratings=include_site_ratings,
                evaluate=not no_eval,
                tune=tune,
                reveal=reveal,
                seed=seed,
                log=(lambda line: self.stderr.write(f"... {line}")) if verbose else None,
                backend=backend,
                spark_master=spark_master,
                spark_spool=spark_spool,
                spark_driver_memory=spark_driver_memory,
            )
        except TrainingDataError as exc:
            raise CommandError(str(exc)) from exc
        except TrainingFailedError as exc:
            raise CommandError(f"training failed, nothing published: {exc}") from exc
        except ImportError as exc:
            raise CommandError(
                f"the {backend} backend is not installed ({exc}): pip install -e '.[spark]'"
            ) from exc
        self.stdout.write(
            f"Trained on {report.ratings} ratings ({report.site_ratings} from site users) of "
            f"{report.users} users and {report.movies} movies in {report.seconds_train:.2f} s"
        )
        chosen = ", ".join(
            f"{name}={report.ranker[name]:g}"
            for name in ("l2", "dropout", "seen_weight", "stars_weight", "popularity_weight")
        )
        if report.tuning is not None:
            self.stdout.write(
                f"Ranker tuned on the training users ({report.tuning['reveal']} reveal, "
                f"{report.tuning['trials']} trials, {report.tuning['seconds']:.0f} s): {chosen} "
                f"(validation NDCG@10 {report.tuning['validation_ndcg10']:.3f})"
                + (
                    "; the defaults were kept: no tuned point was as good on every reveal mode"
                    if report.tuning["kept_default"]
                    else ""
                )
            )
        else:
            self.stdout.write(f"Ranker defaults: {chosen}")
        if report.evaluation_summary is not None:
            self.stdout.write(report.evaluation_summary)
        elif not no_eval:
            self.stdout.write(f"Evaluation skipped: {report.evaluation_skipped}")
        self.stdout.write(f"Published {report.artifact}")
