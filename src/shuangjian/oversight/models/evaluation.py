"""County evaluation (一体评价): a period and the figures computed for every county in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationPeriod(models.Model):
    name = models.CharField(_("评价期"), max_length=64, unique=True)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("评价期")
        verbose_name_plural = _("评价期")
        ordering = ["-ends_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class EvaluationScore(models.Model):
    """One indicator of one county in one period, as computed (kept so that a published ranking does not move)."""

    period = models.ForeignKey(EvaluationPeriod, on_delete=models.CASCADE, related_name="scores")
    division_code = models.CharField(_("县区"), max_length=6, db_index=True)
    indicator = models.CharField(_("指标"), max_length=32)
    numerator = models.PositiveIntegerField(_("分子"))
    denominator = models.PositiveIntegerField(_("分母"))

    class Meta:
        verbose_name = _("评价得分")
        verbose_name_plural = _("评价得分")
        constraints = [models.UniqueConstraint(fields=["period", "division_code", "indicator"], name="score_once")]

    def __str__(self) -> str:
        return f"{self.division_code} {self.indicator} {self.numerator}/{self.denominator}"

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None
