from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditEvent, CalendarDay, Division, GridCell, Job, SchoolVacation, User


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


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)


@admin.register(SchoolVacation)
class SchoolVacationAdmin(admin.ModelAdmin):
    list_display = ("division_code", "kind", "start", "end", "note")
    list_filter = ("kind",)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "owner", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
