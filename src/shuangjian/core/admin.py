from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .calendar_services import (
    calendar_day_delete,
    calendar_day_set,
    school_vacation_delete,
    school_vacation_set,
    school_vacation_validate,
)
from .models import ApiToken, AuditEvent, CalendarDay, Division, GridCell, Job, SchoolVacation, User


class AccessLinkAdmin(admin.ModelAdmin):
    """Admin for the rows that grant a person access (who operates which institution or bank).

    Granting or withdrawing access is an enforcement-relevant change, so each add, change and delete made here is
    written to the hash-chained audit log in the same transaction, as the services do for their own writes.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user if isinstance(request.user, User) else None,
                action=f"admin.{obj._meta.model_name}_{'change' if change else 'add'}",
                obj=obj,
                division_code="",
                after={"link": str(obj), "changed": sorted(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user if isinstance(request.user, User) else None,
                action=f"admin.{obj._meta.model_name}_delete",
                obj=obj,
                division_code="",
                before={"link": str(obj)},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The bulk "delete selected" action: one audited delete per row rather than one silent DELETE.
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "department", "scope_code", "is_active")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "display_name", "scope_code", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("角色与管辖"), {"fields": ("role", "department", "scope_code", "display_name", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("角色与管辖"), {"fields": ("role", "department", "scope_code", "display_name")}),
    )


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(GridCell)
class GridCellAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "township")
    search_fields = ("code", "name")
    raw_id_fields = ("township",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_username",
        "role",
        "action",
        "object_type",
        "object_id",
        "division_code",
    )
    list_filter = ("action",)
    search_fields = ("actor_username", "object_id", "division_code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


class _CalendarWarningMixin:
    """Warns on the changelist while next year's statutory holidays are not known (library or entries)."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        from .cards import next_year_holidays_missing_message

        message = next_year_holidays_missing_message()
        if message is not None and request.method == "GET":
            messages.warning(request, message)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


@admin.register(CalendarDay)
class CalendarDayAdmin(_CalendarWarningMixin, admin.ModelAdmin):
    """Writes go through the calendar services so they are audited and every process's cache sees them."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> tuple[str, ...]:
        # The date is the primary key: changing it in the form would create a second row.
        return ("date",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        calendar_day_set(actor=request.user, date=obj.date, kind=obj.kind, name=obj.name)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        assert isinstance(request.user, User)
        calendar_day_delete(actor=request.user, date=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        assert isinstance(request.user, User)
        for day in list(queryset):
            calendar_day_delete(actor=request.user, date=day.date)


class SchoolVacationAdminForm(forms.ModelForm):
    class Meta:
        model = SchoolVacation
        fields = ("division_code", "kind", "start", "end", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            # The service's own checks, so a refusal is a form error rather than a failed save.
            school_vacation_validate(
                division_code=data["division_code"],
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                note=data.get("note", ""),
                vacation_id=self.instance.pk,
            )
        return data


@admin.register(SchoolVacation)
class SchoolVacationAdmin(_CalendarWarningMixin, admin.ModelAdmin):
    """Writes go through the calendar services (validated, audited, caches refreshed)."""

    form = SchoolVacationAdminForm
    list_display = ("division_code", "kind", "start", "end", "note")
    list_filter = ("kind",)
    search_fields = ("division_code", "note")

    def save_model(self, request: HttpRequest, obj: SchoolVacation, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        saved = school_vacation_set(
            actor=request.user,
            division_code=obj.division_code,
            kind=obj.kind,
            start=obj.start,
            end=obj.end,
            note=obj.note,
            vacation_id=obj.pk if change else None,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: SchoolVacation) -> None:
        assert isinstance(request.user, User)
        school_vacation_delete(actor=request.user, vacation_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SchoolVacation]) -> None:
        assert isinstance(request.user, User)
        for pk in list(queryset.values_list("pk", flat=True)):
            school_vacation_delete(actor=request.user, vacation_id=pk)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "owner", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
