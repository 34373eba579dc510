"""A record of each published model: what data it was trained on and how it scored."""

from __future__ import annotations

from django.db import models


class TrainingRun(models.Model):
    """One ``train_model`` run that published an artifact.

    ``data_fingerprint`` identifies the training inputs (MovieLens files, catalogue members,
    options); ``setup`` skips training when the latest run has the same fingerprint and its
    artifact is still the published one. ``evaluation`` is the engine's cold-start
    evaluation (``coldstart.EvaluationReport.data``, or ``{"skipped": reason}``); ``config``
    holds the MF and ranker hyperparameters and whether the ranker's were tuned.
    """

    data_fingerprint = models.CharField(max_length=64)
    artifact = models.CharField(max_length=1000)
    include_site_ratings = models.BooleanField(default=False)
    ratings = models.PositiveIntegerField()
    users = models.PositiveIntegerField()
    movies = models.PositiveIntegerField()
    seconds = models.FloatField()
    evaluation = models.JSONField(default=dict, blank=True)
    config = models.JSONField(
        default=dict, blank=True, help_text="MF and ranker hyperparameters, and how chosen"
    )
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-finished_at", "-id")

    def __str__(self) -> str:
        return f"model {self.artifact} ({self.finished_at:%Y-%m-%d %H:%M})"
