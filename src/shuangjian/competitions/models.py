"""Competition filings (竞赛活动申报备案), the per-cycle filing-number counters and unfiled-competition findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangjian.core.access import validate_printable


class CompetitionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已备案")
    REFUSED = "refused", _("不予备案")
    PUBLISHED = "published", _("已公布")
    WITHDRAWN = "withdrawn", _("已撤销")
    EXPIRED = "expired", _("已到期")


class OrganiserKind(models.TextChoices):
    INSTITUTION = "institution", _("登记在册的机构")
    ASSOCIATION = "association", _("社会组织（协会、学会等）")


class SubjectArea(models.TextChoices):
    SCIENCE = "science", _("科技")
    ARTS = "arts", _("文化艺术")
    SPORTS = "sports", _("体育")
    LANGUAGE = "language", _("语言文字")
    ACADEMIC = "academic", _("学科知识")
    OTHER = "other", _("综合实践及其他")


class Competition(models.Model):
    name = models.CharField(_("竞赛名称"), max_length=128, validators=[validate_printable])
    organiser_kind = models.CharField(_("主办方类型"), max_length=12, choices=OrganiserKind.choices)
    organiser_institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("主办机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competitions",
    )
    # For an institution: copied from the registry when applying, so the public list reads the name it was filed under.
    organiser_name = models.CharField(_("主办方名称"), max_length=128, validators=[validate_printable])
    organiser_uscc = models.CharField(_("主办方统一社会信用代码"), max_length=18)
    subject_area = models.CharField(_("竞赛领域"), max_length=12, choices=SubjectArea.choices)
    levels = models.JSONField(_("参赛年级"), default=list, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    places = models.TextField(_("举办地点"), max_length=1000)
    fee_fen = models.IntegerField(_("报名费（分）"), default=0)
    certificate_text = models.TextField(_("证书文字"), max_length=2000)
    contact_name = models.CharField(_("联系人"), max_length=64, validators=[validate_printable])
    contact_phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_printable])
    # The county the filing belongs to (the organiser's, or the one a bureau files an association under).
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    # The filing cycle: the year the competition is held in (the published list is per cycle).
    cycle = models.PositiveSmallIntegerField(_("备案周期（年度）"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=CompetitionStatus.choices, default=CompetitionStatus.DRAFT, db_index=True
    )
    filing_no = models.CharField(_("备案编号"), max_length=40, null=True, blank=True)
    # Kept normalised (upper case, no spaces or dashes) so a number typed off a flyer finds its filing.
    filing_key = models.CharField(max_length=40, blank=True, default="", db_index=True, editable=False)
    # The bureau that issued the number: its division code (a city bureau numbers its own series).
    issued_by_code = models.CharField(_("备案机关代码"), max_length=6, blank=True)
    refusal_reason = models.TextField(_("不予备案理由"), blank=True)
    withdrawal_reason = models.TextField(_("撤销理由"), blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competition_applications", null=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competition_reviews", null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("竞赛活动")
        verbose_name_plural = _("竞赛活动")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("cycle", "filing_no"), condition=Q(filing_no__isnull=False), name="competition_filing_no_unique"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="competition_dates_ordered"),
        ]
        indexes = [models.Index(fields=("division_code", "status"), name="competition_scope_status")]

    def __str__(self) -> str:
        return self.name


class CompetitionStep(models.Model):
    """One move of the filing workflow, for the review page's history."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.competition_id}: {self.from_status} → {self.to_status}"


class FilingCounter(models.Model):
    """The last filing number a bureau issued in a cycle: locked (select_for_update) to issue the next one, so the
    series has no gaps and no repeats however many reviewers approve at once."""

    issued_by_code = models.CharField(max_length=6)
    cycle = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("issued_by_code", "cycle"), name="filing_counter_unique")]

    def __str__(self) -> str:
        return f"{self.issued_by_code}/{self.cycle}: {self.last}"


class FindingSource(models.TextChoices):
    REPORT = "report", _("群众举报")
    INSPECTION = "inspection", _("执法检查")
    PATROL = "patrol", _("网格巡查")
    OTHER = "other", _("其他")


class CompetitionFinding(models.Model):
    """An unfiled or illegal competition found by a report or an inspection, against its organiser."""

    organiser_institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("主办机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competition_findings",
    )
    organiser_name = models.CharField(_("主办方名称"), max_length=128, validators=[validate_printable])
    competition_name = models.CharField(_("竞赛名称"), max_length=128, validators=[validate_printable])
    facts = models.TextField(_("查实情况"), max_length=4000)
    source_kind = models.CharField(_("线索来源"), max_length=12, choices=FindingSource.choices)
    source_ref = models.CharField(_("来源编号或说明"), max_length=200, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("未备案竞赛查处记录")
        verbose_name_plural = _("未备案竞赛查处记录")
        ordering = ("-recorded_at", "-pk")

    def __str__(self) -> str:
        return f"{self.organiser_name}：{self.competition_name}"
