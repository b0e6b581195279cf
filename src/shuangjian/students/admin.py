"""Read-only views for platform administrators: students' records change only through services (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from shuangjian.core.audit import audit_record
from shuangjian.core.validators import mask_resident_id

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
    """A child's ID number is never shown in full here; opening a child's record is written to the audit log."""

    list_display = ("name", "masked_id", "school_name", "grade", "division_code", "created_at")
    # Exact match only: a fragment search would let anyone list children by birth date or region.
    search_fields = ("name", "=resident_id", "=school_roll_no")
    list_filter = ("division_code",)
    exclude = ("resident_id",)
    readonly_fields = ("masked_id",)

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj: Student) -> str:
        return mask_resident_id(obj.resident_id)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        student = Student.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if student is not None and response.status_code == 200:
            with transaction.atomic():
                audit_record(actor=request.user, action="students.student_viewed_in_admin", obj=student)  # type: ignore[arg-type]
        return response


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
