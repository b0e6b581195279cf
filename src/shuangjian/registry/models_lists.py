"""White/black list publications (the yearly June publication snapshots both lists) and survey records.

Kept out of models.py so the registry's two developers do not edit the same file; models.py imports them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    WHITE = "white", _("白名单")
    BLACK = "black", _("黑名单")


class ListPublication(models.Model):
    """One publication of the white and black lists for a city or county, frozen as rows at publishing time."""

    year = models.PositiveSmallIntegerField(_("年度"))
    division_code = models.CharField(_("发布区划代码"), max_length=12, db_index=True)
    division_name = models.CharField(_("发布区划"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    publisher_department = models.CharField(_("发布部门"), max_length=64, blank=True)
    whitelist_count = models.PositiveIntegerField(_("白名单机构数"), default=0)
    blacklist_count = models.PositiveIntegerField(_("黑名单条目数"), default=0)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("黑白名单发布")
        verbose_name_plural = _("黑白名单发布")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code"], name="list_publication_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.division_name or self.division_code}"


class ListPublicationRow(models.Model):
    """A row as it stood when published: copied text, so later edits to the institution do not rewrite it."""

    publication = models.ForeignKey(ListPublication, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(_("名单"), max_length=5, choices=ListKind.choices)
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("机构名称"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    category = models.CharField(_("类别"), max_length=32, blank=True)
    licence_no = models.CharField(_("办学许可证号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6)
    reason = models.TextField(_("列入原因"), blank=True)
    legal_basis = models.CharField(_("依据"), max_length=255, blank=True)
    start = models.DateField(_("列入日期"), null=True, blank=True)
    end = models.DateField(_("移出日期"), null=True, blank=True)
    listed_by = models.CharField(_("发布部门"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("名单条目")
        verbose_name_plural = _("名单条目")
        ordering = ["publication_id", "kind", "division_code", "name", "id"]
        indexes = [models.Index(fields=["publication", "kind", "division_code"], name="listrow_pub_kind_div")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class SurveyRecord(models.Model):
    """The survey (摸底排查) fields the institution model does not hold, one row per institution and year."""

    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.CASCADE, related_name="survey_records", verbose_name=_("机构")
    )
    year = models.PositiveSmallIntegerField(_("排查年度"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    site_address = models.CharField(_("培训场所地址"), max_length=255, blank=True)
    weekly_hours = models.DecimalField(_("每周培训时长（小时）"), max_digits=6, decimal_places=1, null=True, blank=True)
    content = models.TextField(_("培训内容"), blank=True)
    teacher_count = models.PositiveIntegerField(_("教师人数"), null=True, blank=True)
    fee_items = models.TextField(_("收费项目及标准"), blank=True)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入任务")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("摸底排查记录")
        verbose_name_plural = _("摸底排查记录")
        ordering = ["-year", "institution_id"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="survey_once_a_year")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year}"
