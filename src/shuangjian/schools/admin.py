"""Admin for platform administrators: schools are set up and school-admin accounts linked here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import InServiceRoster, School, SchoolAdmin


@admin.register(School)
class SchoolAdminPage(admin.ModelAdmin):
    list_display = ("name", "code", "division_code", "kind")
    search_fields = ("name", "code")
    list_filter = ("kind",)


@admin.register(SchoolAdmin)
class SchoolAdminLinkAdmin(admin.ModelAdmin):
    list_display = ("user", "school")
    autocomplete_fields = ("school",)


@admin.register(InServiceRoster)
class InServiceRosterAdmin(admin.ModelAdmin):
    list_display = ("school", "uploaded_at", "row_count", "flagged_count", "is_current")
    readonly_fields = (
        "school",
        "uploaded_by",
        "file_name",
        "row_count",
        "flagged_count",
        "is_current",
        "division_code",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
