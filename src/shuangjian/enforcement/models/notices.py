"""Rectification notices (整改通知书), the institution's answers, and summons interviews (约谈)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .checklist import InspectionItem
from .inspections import Inspection
from .subjects import SubjectFields


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("待整改")
    ANSWERED = "answered", _("已回复")
    CHECKING = "checking", _("待复查")
    CLOSED = "closed", _("已整改")
    ESCALATED = "escalated", _("转立案")


class RectificationNotice(SubjectFields):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="notices", verbose_name=_("检查"))
    items = models.ManyToManyField(InspectionItem, related_name="notices", verbose_name=_("整改事项"))
    number = models.CharField(_("文号"), max_length=64, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    status = models.CharField(
        _("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED, db_index=True
    )
    requirements = models.TextField(_("整改要求"), blank=True)
    issued_on = models.DateField(_("下达日期"))
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"))
    deadline = models.DateField(_("整改期限"), db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("复查")
    )
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("转立案时间"), null=True, blank=True)
    escalation_reason = models.TextField(_("转立案理由"), blank=True)
    last_reminded_on = models.DateField(_("最近催办日期"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("催办次数"), default=0)

    class Meta:
        verbose_name = _("整改通知书")
        verbose_name_plural = _("整改通知书")
        ordering = ["-issued_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["division_code", "year", "seq"], name="notice_no_once")]
        indexes = [models.Index(fields=["division_code", "status", "deadline"], name="notice_div_status_due")]

    def __str__(self) -> str:
        return self.number


class NoticeAnswer(models.Model):
    notice = models.ForeignKey(RectificationNotice, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("整改情况"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("回复时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改回复")
        verbose_name_plural = _("整改回复")
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class AnswerFile(models.Model):
    """A document (PDF) the institution attached to its answer, checked by core/uploads.py."""

    answer = models.ForeignKey(NoticeAnswer, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="enforcement/answers/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")

    def __str__(self) -> str:
        return self.original_name


class Summons(SubjectFields):
    """A summons interview (约谈) with the institution's responsible people, and its minutes."""

    notice = models.ForeignKey(
        RectificationNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="summonses"
    )
    held_on = models.DateField(_("约谈日期"))
    place = models.CharField(_("地点"), max_length=255, blank=True)
    participants = models.TextField(_("参加人员"))
    minutes = models.TextField(_("约谈纪要"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("约谈")
        verbose_name_plural = _("约谈")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.held_on}"
