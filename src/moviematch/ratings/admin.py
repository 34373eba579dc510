"""Admin page for the site users' ratings (also shown inline on each user)."""

from django.contrib import admin

from moviematch.ratings.models import OnboardingSkip, Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("user", "movie", "stars", "updated")
    list_filter = ("stars", "user__is_guest")
    search_fields = ("user__username", "movie__title", "=movie__id")
    raw_id_fields = ("user", "movie")


@admin.register(OnboardingSkip)
class OnboardingSkipAdmin(admin.ModelAdmin):
    list_display = ("user", "movie", "created")
    raw_id_fields = ("user", "movie")
