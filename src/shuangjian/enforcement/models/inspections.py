"""Inspections (检查): planned, in the field, and their outcome. Checklist items, evidence, notices and plans
hang off this model in their own modules."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .subjects import SubjectFields


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("日常检查")
    RANDOM = "random", _("双随机抽查")
    JOINT = "joint", _("联合检查")
    REPORT = "report", _("举报核查")
    FOLLOW_UP = "follow_up", _("整改复查")
    RECHECK = "recheck", _("回头看")


class InspectionStatus(models.TextChoices):
    # A lead (线索) or a drawn task not yet done; a report or a grid finding creates one.
    PLANNED = "planned", _("待检查")
    DRAFT = "draft", _("检查中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class InspectionSource(models.TextChoices):
    PLAN = "plan", _("检查计划")
    REPORT = "report", _("群众举报")
    GRID = "grid", _("网格巡查")
    ROSTER = "roster", _("在职教师比对")
    COMPETITION = "competition", _("竞赛备案")
    NOTICE = "notice", _("整改复查")
    STAFF = "staff", _("执法人员发起")


class Inspection(SubjectFields):
    kind = models.CharField(_("检查类型"), max_length=12, choices=InspectionKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED, db_index=True
    )
    # Where the inspection came from and the source's own reference (a report's tracking code, a grid report
    # id, a notice number): the source app keeps the link to the inspection; this says why it exists.
    source = models.CharField(
        _("来源"), max_length=12, choices=InspectionSource.choices, default=InspectionSource.STAFF
    )
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    # Departments taking part in a joint inspection besides the leading one.
    joint_departments = models.JSONField(_("联合检查部门"), default=list, blank=True)
    planned_on = models.DateField(_("计划检查日期"), null=True, blank=True, db_index=True)
    inspected_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    place = models.CharField(_("检查地点"), max_length=255, blank=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="inspections", blank=True, verbose_name=_("检查人员")
    )
    lead_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主办检查人员"),
    )
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups", verbose_name=_("复查对象")
    )
    summary = models.TextField(_("检查情况"), blank=True)
    inspector_signatures = models.CharField(_("检查人员签名"), max_length=255, blank=True)
    party_signature = models.CharField(_("当事人签名"), max_length=64, blank=True)
    party_refused_to_sign = models.BooleanField(_("当事人拒绝签名"), default=False)
    # Set by the phone's offline draft so that submitting the same draft twice records one inspection.
    client_uuid = models.UUIDField(_("客户端编号"), default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-planned_on", "-pk"]
        indexes = [
            models.Index(fields=["division_code", "status", "planned_on"], name="insp_div_status_day"),
            models.Index(fields=["institution", "completed_at"], name="insp_inst_done"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_name}"
