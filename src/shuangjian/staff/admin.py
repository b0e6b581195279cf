"""Admin for platform administrators: read-only views of staff records (writes go through the pages and API,
whose services check the rules and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Employment, EmploymentFlag, Person, PersonBlacklist, Qualification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "masked_resident_id", "created_at")
    search_fields = ("name", "=resident_id")
    exclude = ("resident_id",)


@admin.register(Employment)
class EmploymentAdmin(ReadOnlyAdmin):
    list_display = ("person", "institution", "role", "start", "end", "division_code")
    list_filter = ("role", "division_code")
    list_select_related = ("person", "institution")


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "number", "subject", "level", "field")
    list_filter = ("kind",)


@admin.register(PersonBlacklist)
class PersonBlacklistAdmin(ReadOnlyAdmin):
    list_display = ("name", "masked_resident_id", "start", "end", "lifted_at", "division_code")
    exclude = ("resident_id",)


@admin.register(EmploymentFlag)
class EmploymentFlagAdmin(ReadOnlyAdmin):
    list_display = ("employment", "code", "created_at", "resolved_at", "division_code")
    list_filter = ("code",)
