"""Read-only admin view of the TMDb cache (entries are written by the client only)."""

from django.contrib import admin

from moviematch.media.models import TmdbCacheEntry


@admin.register(TmdbCacheEntry)
class TmdbCacheEntryAdmin(admin.ModelAdmin):
    list_display = ("resource", "language", "status_code", "fetched_at", "expires_at")
    list_filter = ("language", "status_code")
    search_fields = ("resource",)
    ordering = ("-fetched_at",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
