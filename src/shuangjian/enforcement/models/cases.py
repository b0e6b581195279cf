"""Penalty cases (行政处罚案件) under MoE53 and the Administrative Penalty Law: the case, its numbered documents
and its steps. The stages and the moves between them are data in ``enforcement/case_workflow.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .subjects import SubjectFields


class CaseStage(models.TextChoices):
    FILED = "filed", _("已立案")
    INVESTIGATION = "investigation", _("调查取证")
    NOTIFIED = "notified", _("已事先告知")
    HEARING = "hearing", _("听证")
    DECIDED = "decided", _("已作出决定")
    SERVED = "served", _("已送达")
    EXECUTED = "executed", _("已执行")
    CLOSED = "closed", _("已结案")
    SUSPENDED = "suspended", _("中止")


class CaseDocumentKind(models.TextChoices):
    NOTICE = "notice", _("行政处罚事先告知书")
    HEARING_NOTICE = "hearing_notice", _("听证通知书")
    DECISION = "decision", _("行政处罚决定书")


class PenaltyCase(SubjectFields):
    stage = models.CharField(_("阶段"), max_length=16, choices=CaseStage.choices, default=CaseStage.FILED)
    # The stage a suspended case returns to when it resumes.
    stage_before_suspension = models.CharField(_("中止前阶段"), max_length=16, blank=True)
    filing_no = models.CharField(_("立案编号"), max_length=64)
    source_inspection = models.ForeignKey(
        "enforcement.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalty_cases",
        verbose_name=_("来源检查"),
    )
    # The rectification notice this case escalates, by its number (the notice model lives in another module).
    source_notice_ref = models.CharField(_("来源整改通知书"), max_length=64, blank=True)
    violation = models.CharField(_("违法行为"), max_length=16)
    severity = models.CharField(_("情节"), max_length=20, default="ordinary")
    illegal_income_fen = models.BigIntegerField(_("违法所得（分）"), default=0)
    act_on = models.DateField(_("违法行为发生日期"))
    serious_harm = models.BooleanField(_("危及生命健康或金融安全"), default=False)
    in_service_teacher = models.BooleanField(_("在职教师参与"), default=False)
    obstruction = models.BooleanField(_("拒绝阻碍检查"), default=False)
    facts = models.TextField(_("违法事实"))
    basis = models.TextField(_("处罚依据"), blank=True)
    # The calculator's proposal when the case was filed: measures, fine range, reasoning lines.
    proposal = models.JSONField(_("计算器建议"), default=dict, blank=True)
    # What the regulator proposes (notice) and then decides.
    measures = models.JSONField(_("处罚措施"), default=list, blank=True)
    fine_fen = models.BigIntegerField(_("罚款（分）"), default=0)
    confiscated_fen = models.BigIntegerField(_("没收违法所得（分）"), default=0)
    stop_months = models.PositiveSmallIntegerField(_("停业期限（月）"), default=0)
    restriction_years = models.PositiveSmallIntegerField(_("限制从业/黑名单年限"), default=0)
    departure_reason = models.TextField(_("偏离计算器建议的理由"), blank=True)
    hearing_right = models.BooleanField(_("有权申请听证"), default=False)

    filed_on = models.DateField(_("立案日期"))
    notified_on = models.DateField(_("告知日期"), null=True, blank=True)
    defence_text = models.TextField(_("陈述申辩意见"), blank=True)
    defence_on = models.DateField(_("申辩日期"), null=True, blank=True)
    hearing_requested_on = models.DateField(_("听证申请日期"), null=True, blank=True)
    hearing_on = models.DateField(_("听证日期"), null=True, blank=True)
    hearing_held = models.BooleanField(_("已举行听证"), default=False)
    hearing_record = models.TextField(_("听证笔录摘要"), blank=True)
    # Filing day + 90 days + approved extensions, kept with the row so that lists filter overdue cases in SQL.
    decide_by = models.DateField(_("决定期限"), null=True, blank=True, db_index=True)
    extension_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    extension_reason = models.TextField(_("延长理由"), blank=True)
    extension_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("延长批准人"),
    )
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    paid_on = models.DateField(_("缴款日期"), null=True, blank=True)
    surcharge_fen = models.BigIntegerField(_("加处罚款（分）"), default=0)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    close_reason = models.TextField(_("结案说明"), blank=True)

    published_on = models.DateField(_("公开日期"), null=True, blank=True, db_index=True)
    publication_summary = models.TextField(_("公开的违法事实摘要"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("立案人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行政处罚案件")
        verbose_name_plural = _("行政处罚案件")
        ordering = ["-filed_on", "-pk"]
        indexes = [
            models.Index(fields=["division_code", "stage", "filed_on"], name="case_div_stage_filed"),
            models.Index(fields=["institution", "filed_on"], name="case_inst_filed"),
            # The list's order: page 1 walks this index instead of sorting every case in reach.
            models.Index(fields=["-filed_on", "-id"], name="case_filed_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.filing_no} {self.subject_name}"

    @property
    def decision_number(self) -> str:
        doc = next((d for d in self.documents.all() if d.kind == CaseDocumentKind.DECISION), None)
        return doc.number if doc else ""


class CaseDocument(models.Model):
    case = models.ForeignKey(PenaltyCase, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("文书"), max_length=16, choices=CaseDocumentKind.choices)
    issuer = models.CharField(_("制发机关"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=64)
    issued_on = models.DateField(_("制发日期"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("案件文书")
        verbose_name_plural = _("案件文书")
        ordering = ["issued_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kind", "year", "serial"], name="case_doc_unique_number"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseStep(models.Model):
    """One move of a case, with who made it and why (suspension, extension, departure reasons)."""

    case = models.ForeignKey(PenaltyCase, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=24)
    from_stage = models.CharField(_("原阶段"), max_length=16, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
