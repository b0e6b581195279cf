"""Students, their guardians, enrolments (with contracts) and attendance."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shuangjian.courses.models import ClassGroup, Session
from shuangjian.registry.models import Institution


class Student(models.Model):
    name = models.CharField(_("姓名"), max_length=64)
    resident_id = models.CharField(_("身份证号"), max_length=18, blank=True, db_index=True)
    school_roll_no = models.CharField(_("学籍号"), max_length=32, blank=True, db_index=True)
    grade = models.CharField(_("年级"), max_length=16, blank=True)
    school_name = models.CharField(_("就读学校"), max_length=128, blank=True)
    school_code = models.CharField(_("学校代码"), max_length=32, blank=True, db_index=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        constraints = [
            # One record per child: enrolments from every institution and a parent's binding meet on it.
            models.UniqueConstraint(
                fields=["resident_id"], condition=~models.Q(resident_id=""), name="student_resident_id_unique"
            ),
            models.UniqueConstraint(
                fields=["school_roll_no"], condition=~models.Q(school_roll_no=""), name="student_school_roll_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Guardianship(models.Model):
    """A parent account bound to a child after checking name and ID."""

    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardianships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")
        constraints = [models.UniqueConstraint(fields=["parent", "student"], name="guardianship_unique")]

    def __str__(self) -> str:
        return f"{self.parent} → {self.student}"


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("待确认合同")
    ACTIVE = "active", _("在读")
    COMPLETED = "completed", _("已结课")
    REFUNDED = "refunded", _("已退费")
    CANCELLED = "cancelled", _("已取消")


# The binding code printed on a contract: what a parent shows besides the child's name and ID number (both of which
# others may know) to prove they hold this family's contract. No 0/O or 1/I, so it can be read off paper.
BINDING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BINDING_CODE_LENGTH = 8


def new_binding_code() -> str:
    return "".join(secrets.choice(BINDING_CODE_ALPHABET) for _ in range(BINDING_CODE_LENGTH))


class Enrolment(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("学员"))
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("班级")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("机构")
    )
    external_id = models.CharField(_("机构系统编号"), max_length=64, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    lessons_bought = models.PositiveSmallIntegerField(_("购买课时"))
    price_per_lesson_fen = models.PositiveIntegerField(_("每课时价格（分）"))
    total_fee_fen = models.PositiveIntegerField(_("总费用（分）"))
    status = models.CharField(
        _("状态"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING, db_index=True
    )
    contract_no = models.CharField(_("合同编号"), max_length=40, unique=True)
    contract_confirmed_at = models.DateTimeField(_("家长确认时间"), null=True, blank=True)
    contract_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    binding_code = models.CharField(_("家长绑定码"), max_length=16, default=new_binding_code)
    binding_code_used_at = models.DateTimeField(_("绑定码使用时间"), null=True, blank=True)
    binding_code_used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        indexes = [
            # The list's order (newest first): page 1 of a province's enrolments reads 50 index entries, not a sort
            # of every row in reach.
            models.Index(fields=["created_at", "id"], name="enrolment_created"),
            # Per-status figures of a jurisdiction (the list's header, the dashboard's live enrolments), counted up
            # to a cap: status equal, county code by prefix (LIKE '4102%' needs the pattern opclass on PostgreSQL
            # unless the database collates as "C"), so a count reads only the matching index entries.
            models.Index(
                fields=["status", "division_code"],
                name="enrolment_status_div",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "external_id"],
                condition=~models.Q(external_id=""),
                name="enrolment_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(total_fee_fen=models.F("lessons_bought") * models.F("price_per_lesson_fen")),
                name="enrolment_fee_is_lessons_times_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.class_group}"


class Attendance(models.Model):
    """A student present at a session: what the funds app consumes a lesson from."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("课次"))
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("报名")
    )
    present = models.BooleanField(_("出勤"), default=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session")]

    def __str__(self) -> str:
        return f"{self.enrolment} @ {self.session}"


class ContractCounter(models.Model):
    """The last contract number issued per county and year; the row lock makes numbers gap-free and race-free."""

    key = models.CharField(max_length=16, unique=True)
    last_no = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("合同编号计数")
        verbose_name_plural = _("合同编号计数")

    def __str__(self) -> str:
        return f"{self.key}:{self.last_no}"
