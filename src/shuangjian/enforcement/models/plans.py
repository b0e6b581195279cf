"""Yearly random-inspection plans (双随机一公开), their verifiable draws, inspectors' certificates and declared
conflicts. The draw's algorithm is ``enforcement/draw.py``; the workflow is ``enforcement/plan_workflow.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangjian.core.models import Department


class InspectionPlan(models.Model):
    """A county department's plan for a year: ``rounds`` draws of ``sample_size`` institutions each."""

    name = models.CharField(_("计划名称"), max_length=128)
    year = models.PositiveSmallIntegerField(_("年度"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    department = models.CharField(_("部门"), max_length=24, choices=Department.choices, default=Department.EDUCATION)
    rounds = models.PositiveSmallIntegerField(_("抽查轮次"), default=2)
    sample_size = models.PositiveIntegerField(_("每轮抽取机构数"))
    inspectors_per_institution = models.PositiveSmallIntegerField(_("每家机构执法人员数"), default=2)
    target_per_institution = models.PositiveSmallIntegerField(_("每家机构年度检查目标次数"), default=2)
    # Optional weights: by institution category ({"subject": 3, "non_subject": 1}) and per institution
    # ({"<id>": 5}, e.g. from a risk rating); 1 where nothing is said. Integers, published with the lists.
    category_weights = models.JSONField(_("按类别权重"), default=dict, blank=True)
    institution_weights = models.JSONField(_("按机构权重"), default=dict, blank=True)
    # Every eligible institution's least chance of being drawn in a round, in basis points (500 = 5 %).
    floor_bp = models.PositiveIntegerField(_("保底抽中概率（万分之）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        ordering = ["-year", "division_code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code", "department", "name"], name="plan_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class DrawStatus(models.TextChoices):
    COMMITTED = "committed", _("已公示种子哈希")
    DRAWN = "drawn", _("已抽取")
    PUBLISHED = "published", _("已公布")
    DISCARDED = "discarded", _("已作废（重新抽取）")


class Draw(models.Model):
    """One round's draw: the lists and the seed's hash are frozen at commitment; the seed is revealed on
    publication (or when the draw is discarded, so a discarded draw can be checked too)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="draws", verbose_name=_("计划"))
    round_no = models.PositiveSmallIntegerField(_("轮次"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=DrawStatus.choices, default=DrawStatus.COMMITTED)
    seed_sha256 = models.CharField(_("随机种子哈希"), max_length=64)
    # Secret until publication: never shown or exported while the status is "committed" or "drawn".
    seed = models.CharField(_("随机种子"), max_length=64)
    lists = models.JSONField(_("公示名单"))
    lists_sha256 = models.CharField(_("名单哈希"), max_length=64)
    result = models.JSONField(_("抽取结果"), default=list, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("取代")
    )
    discard_reason = models.TextField(_("重新抽取理由"), blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    committed_at = models.DateTimeField(_("公示哈希时间"), auto_now_add=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("随机抽取")
        verbose_name_plural = _("随机抽取")
        ordering = ["plan", "round_no", "pk"]
        constraints = [
            # One live draw per round; discarded ones stay beside it.
            models.UniqueConstraint(
                fields=["plan", "round_no"], condition=~Q(status="discarded"), name="draw_one_live_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.round_no}"

    @property
    def seed_revealed(self) -> bool:
        return self.status in (DrawStatus.PUBLISHED, DrawStatus.DISCARDED) and self.drawn_at is not None


class DrawItem(models.Model):
    """A drawn institution, in draw order, and the inspection the draw created for it."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    inspection = models.OneToOneField(
        "enforcement.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="draw_item"
    )

    class Meta:
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "position"], name="draw_item_position")]

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.position}"


class InspectorCertificate(models.Model):
    """An inspector's law-enforcement certificate (执法证): its number is published with the draw's lists."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enforcement_certificate"
    )
    number = models.CharField(_("执法证号"), max_length=32, unique=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("执法证")
        verbose_name_plural = _("执法证")

    def __str__(self) -> str:
        return self.number


class InspectorConflict(models.Model):
    """A declared relation (回避): the inspector is never drawn for the institution."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    # Kept internal: the published lists say only that a conflict was declared, never why.
    reason = models.CharField(_("回避理由"), max_length=255)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回避关系")
        verbose_name_plural = _("回避关系")
        constraints = [models.UniqueConstraint(fields=["inspector", "institution"], name="inspector_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.inspector_id}—{self.institution_id}"
