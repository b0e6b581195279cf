"""Admin for platform administrators: the registry is read here (regulated changes go through the pages and
their services, which audit them); operator accounts are linked to institutions here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from shuangjian.core.admin import AccessLinkAdmin

from .models import (
    AnnualInspection,
    ApplicationMaterial,
    ApplicationStep,
    BlacklistEntry,
    Institution,
    InstitutionOperator,
    LicenceApplication,
    Site,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SiteInline(ReadOnlyMixin, admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("name", "uscc", "category", "field", "status", "licence_no", "division_code")
    list_filter = ("status", "category", "field", "supervision_mode")
    search_fields = ("name", "uscc", "licence_no")
    inlines = [SiteInline]
    exclude = ("legal_rep_id",)  # shown masked on the pages; not needed here


@admin.register(InstitutionOperator)
class InstitutionOperatorAdmin(AccessLinkAdmin):
    list_display = ("user", "institution")
    search_fields = ("user__username", "institution__name", "institution__uscc")
    raw_id_fields = ("user", "institution")


class StepInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationStep
    extra = 0


class MaterialInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationMaterial
    extra = 0


@admin.register(LicenceApplication)
class LicenceApplicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("institution", "department", "status", "step_due_on", "submitted_at", "division_code")
    list_filter = ("status", "department")
    search_fields = ("institution__name", "institution__uscc", "decision_no")
    inlines = [StepInline, MaterialInline]


@admin.register(AnnualInspection)
class AnnualInspectionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("institution", "year", "result", "inspected_on", "division_code")
    list_filter = ("year", "result")
    search_fields = ("institution__name",)


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("institution", "start", "end", "department", "division_code")
    search_fields = ("institution__name", "reason")
