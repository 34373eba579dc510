"""``manage.py train_model``: train the engine on the catalogue and publish the artifact."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.recommendations import services


class Command(BaseCommand):
    help = (
        "Train the recommender on the MovieLens ratings of catalogue movies (optionally with "
        "the site users' ratings), with genre/tag/genome features from the catalogue; print "
        "a cold-start evaluation; publish the model atomically where the site picks it up."
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
        parser.add_argument("--seed", type=int, default=0, help="seed of training and evaluation")

    def handle(
        self,
        *args: object,
        ratings_dir: Path | None,
        include_site_ratings: bool,
        no_eval: bool,
        seed: int,
        **options: object,
    ) -> None:
        try:
            report = services.model_train(
                ratings_dir=ratings_dir,
                include_site_ratings=include_site_ratings,
                evaluate=not no_eval,
                seed=seed,
            )
        except services.TrainingDataError as exc:
            raise CommandError(str(exc)) from exc
        except services.RecommenderError as exc:
            raise CommandError(f"training failed, nothing published: {exc}") from exc
        self.stdout.write(
            f"Trained on {report.ratings} ratings ({report.site_ratings} from site users) of "
            f"{report.users} users and {report.movies} movies in {report.seconds_train:.2f} s"
        )
        if report.evaluation is not None:
            self.stdout.write(report.evaluation.summary())
        self.stdout.write(f"Published {report.artifact}")
