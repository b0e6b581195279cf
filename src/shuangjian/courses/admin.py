from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ClassGroup, Course, CourseMaterial, GuidancePrice, Session, ViolationRecord


@admin.register(Course)
class CourseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "institution", "category", "subject", "field", "format", "price_per_lesson_fen")
    list_filter = ("category", "format", "class_size_tier")
    search_fields = ("name", "institution__name", "external_id")
    raw_id_fields = ("institution",)


@admin.register(ClassGroup)
class ClassGroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "course", "site", "capacity", "enrolled_count", "division_code")
    search_fields = ("name", "course__name", "external_id")
    raw_id_fields = ("course", "site")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("class_group", "starts_at", "ends_at", "is_cancelled", "division_code")
    list_filter = ("is_cancelled",)
    raw_id_fields = ("class_group",)


@admin.register(CourseMaterial)
class CourseMaterialAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "status", "uploaded_at")
    list_filter = ("status",)
    raw_id_fields = ("course", "reviewer")


@admin.register(GuidancePrice)
class GuidancePriceAdmin(SimpleHistoryAdmin):
    list_display = ("division_code", "class_size_tier", "format", "benchmark_fen", "effective_from", "document_no")
    list_filter = ("class_size_tier", "format")


@admin.register(ViolationRecord)
class ViolationRecordAdmin(admin.ModelAdmin):
    list_display = ("code", "object_type", "object_id", "division_code", "institution", "first_seen", "resolved_at")
    list_filter = ("code", "object_type")
    search_fields = ("institution__name",)
    raw_id_fields = ("institution",)
