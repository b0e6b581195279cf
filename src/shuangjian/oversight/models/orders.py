"""Supervision orders (督办) a higher level issues to a county, and the other measures of the six (通报, 曝光, 约谈,
问责) recorded against a county or department."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    DISPATCH = "dispatch", _("定向调度")
    LISTED = "listed", _("挂牌督办")


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("待回复")
    REPLIED = "replied", _("已回复")
    ACCEPTED = "accepted", _("已办结")
    RETURNED = "returned", _("已退回")


class SupervisionOrder(models.Model):
    number = models.CharField(_("文号"), max_length=64, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("督办方式"), max_length=10, choices=OrderKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED, db_index=True
    )
    # The issuing level's division (a city or province code); the order's own division is the county it goes to.
    issuer_code = models.CharField(_("督办单位区划"), max_length=12)
    division_code = models.CharField(_("被督办县区"), max_length=6, db_index=True)
    title = models.CharField(_("督办事项"), max_length=200)
    requirements = models.TextField(_("督办要求"))
    deadline = models.DateField(_("办理期限"), db_index=True)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及机构"),
    )
    inspection = models.ForeignKey(
        "enforcement.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及检查"),
    )
    notice = models.ForeignKey(
        "enforcement.RectificationNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("涉及整改通知"),
    )
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("下达日期"))
    reply_text = models.TextField(_("办理情况"), blank=True)
    reply_file = models.FileField(_("佐证材料"), upload_to="oversight/replies/%Y/", blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("审核意见"), blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # Set by the daily escalation the first day the order is past its deadline without an accepted reply.
    overdue_since = models.DateField(_("逾期日期"), null=True, blank=True, db_index=True)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["issuer_code", "year", "seq"], name="order_no_once")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class MeasureKind(models.TextChoices):
    NOTICE = "notice", _("通报")
    EXPOSURE = "exposure", _("曝光")
    INTERVIEW = "interview", _("约谈")
    ACCOUNTABILITY = "accountability", _("问责")


class SupervisionMeasure(models.Model):
    number = models.CharField(_("文号"), max_length=64, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("措施"), max_length=16, choices=MeasureKind.choices)
    issuer_code = models.CharField(_("实施单位区划"), max_length=12)
    department = models.CharField(_("涉及部门"), max_length=64, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    happened_on = models.DateField(_("日期"))
    participants = models.TextField(_("参加人员"), blank=True)
    minutes = models.TextField(_("约谈记录"), blank=True)
    exposure_ref = models.CharField(_("曝光台链接"), max_length=255, blank=True)
    responsible = models.CharField(_("被问责人"), max_length=128, blank=True)
    order = models.ForeignKey(
        SupervisionOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("相关督办单"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督导措施")
        verbose_name_plural = _("督导措施")
        ordering = ["-happened_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["issuer_code", "kind", "year", "seq"], name="measure_no_once")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class MeasureCounty(models.Model):
    """A county a measure names (a 通报 may name several); the measure is visible to each county it names."""

    measure = models.ForeignKey(SupervisionMeasure, on_delete=models.CASCADE, related_name="counties")
    division_code = models.CharField(_("县区"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("措施涉及县区")
        verbose_name_plural = _("措施涉及县区")
        constraints = [models.UniqueConstraint(fields=["measure", "division_code"], name="measure_county_once")]

    def __str__(self) -> str:
        return self.division_code
