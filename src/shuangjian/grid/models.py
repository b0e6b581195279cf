"""Grid officers' daily reports (网格日报), what they saw, findings raised from them, and reminders for gaps.

A report belongs to one officer, one cell and one day (unique: filing twice changes nothing). Rows carry the
county, township and cell codes so that regulators reach them by division and the officer by cell.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GridReport(models.Model):
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_reports", verbose_name=_("网格员")
    )
    cell = models.ForeignKey("core.GridCell", on_delete=models.PROTECT, related_name="reports", verbose_name=_("网格"))
    day = models.DateField(_("日期"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    grid_code = models.CharField(_("网格编码"), max_length=20, db_index=True)
    is_zero = models.BooleanField(_("今日无异常"), default=False)
    places_patrolled = models.TextField(_("巡查地点"), blank=True)
    ads_seen = models.TextField(_("发现的广告、招牌"), blank=True)
    note = models.TextField(_("其他情况"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("网格日报")
        verbose_name_plural = _("网格日报")
        ordering = ["-day", "grid_code"]
        constraints = [
            models.UniqueConstraint(fields=["officer", "cell", "day"], name="grid_report_one_per_officer_cell_day")
        ]
        indexes = [models.Index(fields=["division_code", "day"], name="grid_report_div_day")]

    def __str__(self) -> str:
        return f"{self.grid_code} {self.day}"


class SightingKind(models.TextChoices):
    OPEN = "open", _("正常营业")
    CLOSED = "closed", _("关停")
    AGAINST_ORDER = "against_order", _("违反责令仍在经营")


class Sighting(models.Model):
    """An institution of the cell as the officer saw it that day."""

    report = models.ForeignKey(GridReport, on_delete=models.CASCADE, related_name="sightings")
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="grid_sightings", verbose_name=_("机构")
    )
    kind = models.CharField(_("所见情况"), max_length=16, choices=SightingKind.choices)

    class Meta:
        verbose_name = _("机构巡查情况")
        verbose_name_plural = _("机构巡查情况")
        constraints = [models.UniqueConstraint(fields=["report", "institution"], name="grid_sighting_once")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.kind}"


class FindingKind(models.TextChoices):
    UNLICENSED = "unlicensed", _("疑似无证无照培训")
    AGAINST_ORDER = "against_order", _("违反责令仍在经营")
    AD = "ad", _("违规广告、招牌")


class Finding(models.Model):
    """Something on a report an inspector should look at; it becomes an inspection lead, a public-report case, or
    both, each in one tap."""

    report = models.ForeignKey(GridReport, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("发现类型"), max_length=16, choices=FindingKind.choices)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_findings",
        verbose_name=_("机构"),
    )
    name = models.CharField(_("名称或招牌"), max_length=128, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("情况说明"), blank=True)
    photo = models.FileField(_("照片"), upload_to="grid/photos/%Y/%m/", blank=True)
    photo_sha256 = models.CharField(_("原图 SHA-256"), max_length=64, blank=True)
    photo_taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    photo_format = models.CharField(_("原图格式"), max_length=8, blank=True)
    photo_bytes = models.PositiveIntegerField(_("原图大小"), null=True, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    grid_code = models.CharField(_("网格编码"), max_length=20, db_index=True)
    unlicensed = models.ForeignKey(
        "enforcement.UnlicensedOperation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_findings",
        verbose_name=_("无证无照培训记录"),
    )
    inspection = models.ForeignKey(
        "enforcement.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_findings",
        verbose_name=_("检查线索"),
    )
    # The public-report case raised from this finding (channel grid; the report's source_ref names the finding).
    public_report = models.OneToOneField(
        "complaints.Report",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_finding",
        verbose_name=_("举报案件"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网格发现")
        verbose_name_plural = _("网格发现")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or (self.institution.name if self.institution else str(self.pk))


class Reminder(models.Model):
    """A missing daily report, chased at the reminder hour; resolved when the report is filed."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_reminders", verbose_name=_("网格员")
    )
    cell = models.ForeignKey(
        "core.GridCell", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("网格")
    )
    day = models.DateField(_("应报日期"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    grid_code = models.CharField(_("网格编码"), max_length=20)
    created_at = models.DateTimeField(_("催报时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("补报时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("催报提醒")
        verbose_name_plural = _("催报提醒")
        ordering = ["-day", "grid_code"]
        constraints = [models.UniqueConstraint(fields=["officer", "cell", "day"], name="grid_reminder_once")]

    def __str__(self) -> str:
        return f"{self.grid_code} {self.day}"
