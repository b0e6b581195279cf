"""Read-only views for platform administrators: students' records change only through services (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Attendance, Enrolment, Guardianship, Student


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Student)
class StudentAdmin(ReadOnlyAdmin):
    list_display = ("name", "school_name", "grade", "division_code", "created_at")
    search_fields = ("name", "resident_id", "school_roll_no")
    list_filter = ("division_code",)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("contract_no", "student", "institution", "status", "lessons_bought", "total_fee_fen", "created_at")
    search_fields = ("contract_no", "student__name", "external_id")
    list_filter = ("status", "division_code")
    list_select_related = ("student", "institution")


@admin.register(Guardianship)
class GuardianshipAdmin(ReadOnlyAdmin):
    list_display = ("parent", "student", "created_at")
    list_select_related = ("parent", "student")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "session", "present", "recorded_at")
    list_select_related = ("enrolment__student", "enrolment__class_group", "session__class_group")
