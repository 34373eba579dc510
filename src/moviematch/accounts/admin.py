"""The admin's Users section: guests marked, with their expiry, and every user's ratings."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from moviematch.accounts.models import User
from moviematch.accounts.selectors import guest_expires_at
from moviematch.ratings.models import Rating


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    fields = ("movie", "stars", "updated")
    readonly_fields = ("updated",)
    raw_id_fields = ("movie",)
    ordering = ("-updated",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "is_guest",
        "guest_expiry",
        "rating_total",
        "last_seen",
        "date_joined",
        "is_staff",
    )
    list_filter = ("is_guest", "is_staff", "is_superuser", "is_active")
    readonly_fields = ("last_seen", "guest_expiry")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Guest account", {"fields": ("is_guest", "last_seen", "guest_expiry")}),
    )
    inlines = (RatingInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).annotate(rating_total=Count("ratings"))

    @admin.display(description="expires")
    def guest_expiry(self, user: User) -> datetime | None:
        return guest_expires_at(user=user)

    @admin.display(description="ratings", ordering="rating_total")
    def rating_total(self, user: User) -> int:
        return int(getattr(user, "rating_total", 0))
