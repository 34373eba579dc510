"""The database table behind the TMDb cache (see ``moviematch.integrations.tmdb.cache``)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class TmdbCacheEntry(models.Model):
    """One cached TMDb answer, unique per ``(resource, language)``.

    ``resource`` is the request path with its fixed query (``/movie/603?append_to_response=
    credits``), never the API key. A 404 is stored with ``status_code=404`` and no payload so
    TMDb is not asked again before ``expires_at``.
    """

    resource = models.CharField(max_length=255)
    language = models.CharField(max_length=16, blank=True, help_text="'' if not localised")
    status_code = models.PositiveSmallIntegerField(help_text="200, or 404 (negative entry)")
    payload = models.JSONField(null=True, blank=True, help_text="decoded JSON body of a 200")
    fetched_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "TMDb cache entry"
        verbose_name_plural = "TMDb cache entries"
        constraints = (
            # Also the index every cache lookup uses.
            models.UniqueConstraint(
                fields=["resource", "language"], name="tmdbcache_unique_resource_language"
            ),
            models.CheckConstraint(
                condition=Q(status_code=200, payload__isnull=False)
                | Q(status_code=404, payload__isnull=True),
                name="tmdbcache_payload_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("fetched_at")), name="tmdbcache_expires_after_fetch"
            ),
        )
        indexes = (
            # the prefetch command's "what is stale?" query and purges
            models.Index(fields=["language", "expires_at"], name="tmdbcache_lang_expires_idx"),
        )

    def __str__(self) -> str:
        return f"{self.resource} [{self.language or '-'}] {self.status_code}"
