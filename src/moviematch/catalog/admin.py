"""Admin pages for the catalogue: searchable, read-mostly views of the imported data."""

from django.contrib import admin

from moviematch.catalog.models import (
    Credit,
    Genre,
    ImportRun,
    Movie,
    MovieTag,
    Person,
    Tag,
    TagRelevance,
)


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    raw_id_fields = ("person",)
    ordering = ("role", "order")


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "english_title",
        "year",
        "num_ratings",
        "mean_rating",
        "in_catalogue",
        "excluded_reason",
    )
    list_filter = ("in_catalogue", "excluded_reason", "genres")
    search_fields = ("title", "english_title", "imdb_id", "=id")
    filter_horizontal = ("genres",)
    inlines = (CreditInline,)


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "imdb_id")
    search_fields = ("name", "=imdb_id")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(MovieTag)
class MovieTagAdmin(admin.ModelAdmin):
    list_display = ("movie", "tag", "count")
    raw_id_fields = ("movie", "tag")


@admin.register(TagRelevance)
class TagRelevanceAdmin(admin.ModelAdmin):
    list_display = ("movie", "tag", "relevance")
    raw_id_fields = ("movie", "tag")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("kind", "source_dir", "finished_at")
    readonly_fields = ("kind", "source_dir", "fingerprint", "stats", "finished_at")
