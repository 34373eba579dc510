"""Admin page for the site users' ratings."""

from django.contrib import admin

from moviematch.ratings.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("user", "movie", "stars", "updated")
    list_filter = ("stars",)
    raw_id_fields = ("user", "movie")
