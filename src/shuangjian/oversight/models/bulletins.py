"""Numbered bulletins (工作简报 / 信息快报) drafted from a period's data.

Every figure of a bulletin is stored with the query that produced it (the registered query's name, its
parameters and the result as it was), so the document can be rebuilt exactly and the figures re-checked.
A bulletin takes its number when it is published, so abandoned drafts leave no gap in the numbering.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangjian.core.access import validate_printable


class BulletinSeries(models.TextChoices):
    """Zhengzhou's weekly 信息快报 and the monthly 工作简报 (issue 16)."""

    BRIEFING = "briefing", _("工作简报")
    EXPRESS = "express", _("信息快报")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被修订")


class Bulletin(models.Model):
    series = models.CharField(_("简报类别"), max_length=10, choices=BulletinSeries.choices)
    division_code = models.CharField(_("发布区划"), max_length=12, db_index=True)
    issuer_name = models.CharField(_("发文机关"), max_length=100, validators=[validate_printable])
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT, db_index=True
    )
    # Taken on publishing (core.numbering): year and seq of the issuer's series; a revision keeps them.
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("期数"), null=True, blank=True)
    number = models.CharField(_("期号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200, validators=[validate_printable])
    overview_text = models.TextField(_("综合工作"), blank=True)
    counties_text = models.TextField(_("县区动态"), blank=True)
    cases_text = models.TextField(_("典型案例"), blank=True)
    # [{"name": registered query, "params": {...}, "result": ...}] in the order the sections print them.
    figures = models.JSONField(_("数据及其查询"), default=list)
    revision = models.PositiveSmallIntegerField(_("修订版次"), default=1)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions", verbose_name=_("修订自")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("工作简报")
        verbose_name_plural = _("工作简报")
        ordering = ["-period_end", "-pk"]
        constraints = [
            # One published issue per number: a revision replaces its predecessor, which is superseded first.
            models.UniqueConstraint(
                fields=["division_code", "series", "year", "seq"],
                condition=models.Q(status="published"),
                name="bulletin_one_published_per_number",
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")), name="bulletin_period"
            ),
        ]
        indexes = [models.Index(fields=["status", "division_code", "published_on"], name="bulletin_public")]

    def __str__(self) -> str:
        return f"{self.title} {self.number}".strip()

    @property
    def is_draft(self) -> bool:
        return self.status == BulletinStatus.DRAFT

    def figure(self, name: str) -> Any:
        """The stored result of one registered query (None when the bulletin has none of that name)."""
        for f in self.figures:
            if f.get("name") == name:
                return f.get("result")
        return None
