"""Admin page listing the published models."""

from django.contrib import admin

from moviematch.recommendations.models import TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("finished_at", "artifact", "ratings", "users", "movies", "seconds")
    readonly_fields = tuple(f.name for f in TrainingRun._meta.fields)
