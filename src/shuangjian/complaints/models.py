"""Public reports (举报, 随手拍): what was reported, where, by which channel, and how it was handled.

A report is known to the public only by its tracking code; the phone number and the account stay private. Each
step of the handling is an ``ReportEvent`` whose public note the tracking page shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangjian.core.models import Department


class Category(models.TextChoices):
    UNLICENSED = "unlicensed", _("无证无照培训")
    DISGUISED = "disguised", _("隐形变异学科类培训")
    TEACHER = "teacher", _("在职教师有偿补课")
    OVERTIME = "overtime", _("超时或节假日培训")
    FEES = "fees", _("收费与退费")
    ADS = "ads", _("违规广告")
    SAFETY = "safety", _("安全隐患")
    COMPETITION = "competition", _("违规竞赛")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    WEB = "web", _("网上举报")
    API = "api", _("开放接口（Open311）")
    HOTLINE = "hotline", _("举报电话")
    EMAIL = "email", _("电子邮件")
    LETTER = "letter", _("来信")
    TRANSFER_12345 = "12345", _("12345 热线转办")
    GRID = "grid", _("网格员上报")


# Raised inside the platform (a grid officer's finding): handled as any report, never listed to the public.
INTERNAL_CHANNELS = (Channel.GRID,)


class ReportStatus(models.TextChoices):
    NEW = "new", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    ASSIGNED = "assigned", _("已分办")
    DISPATCHED = "dispatched", _("核查中")
    CHECKED = "checked", _("已核查")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")


class Level(models.TextChoices):
    COUNTY = "county", _("县区")
    CITY = "city", _("市级")


class Report(models.Model):
    code = models.CharField(_("查询码"), max_length=10, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    category = models.CharField(_("举报类别"), max_length=12, choices=Category.choices)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("被举报机构"),
    )
    institution_name = models.CharField(_("机构名称"), max_length=128, blank=True)
    address = models.CharField(_("地点"), max_length=255)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("举报内容"))
    # Private: staff call back on it; never on the tracking page, the public statistics or Open311.
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint_reports",
        verbose_name=_("举报人账号"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    # What inside the platform the report was raised from ("grid.finding:<pk>"), "" for the public and staff
    # intake; one report per source (complaints/hooks.py turns it into a link for the staff page).
    source_ref = models.CharField(_("来源记录"), max_length=40, blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW, db_index=True
    )
    level = models.CharField(_("办理层级"), max_length=6, choices=Level.choices, default=Level.COUNTY)
    department = models.CharField(
        _("承办部门"), max_length=24, choices=Department.choices, default=Department.EDUCATION
    )
    refuse_reason = models.TextField(_("不予受理理由"), blank=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assigned_reports", blank=True, verbose_name=_("核查人员")
    )
    inspection = models.ForeignKey(
        "enforcement.Inspection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查检查"),
    )
    no_check_reason = models.TextField(_("未能检查的理由"), blank=True)
    answer = models.TextField(_("答复"), blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    dispute_reason = models.TextField(_("异议理由"), blank=True)
    disputed_at = models.DateTimeField(_("提出异议时间"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("合并至")
    )
    received_at = models.DateTimeField(_("收到时间"), db_index=True)
    acknowledged_at = models.DateTimeField(_("受理或不予受理时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("分办时间"), null=True, blank=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # The deadline of the step the report waits for, and of the answer (kept on the row so lists and statistics
    # compare dates instead of counting working days per row).
    due_on = models.DateField(_("本环节期限"), null=True, blank=True, db_index=True)
    answer_due_on = models.DateField(_("答复期限"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期升级时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["division_code", "-received_at"], name="report_div_received"),
            models.Index(fields=["institution", "category", "received_at"], name="report_inst_cat_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref"], condition=~models.Q(source_ref=""), name="report_one_per_source"
            )
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return f"{self.code[:5]}-{self.code[5:]}"

    @property
    def is_open(self) -> bool:
        return self.status not in (ReportStatus.REFUSED, ReportStatus.CLOSED, ReportStatus.MERGED)

    @property
    def subject_label(self) -> str:
        return self.institution.name if self.institution_id and self.institution else self.institution_name


def report_photo_path(instance: ReportPhoto, filename: str) -> str:
    return f"complaints/{instance.report.code}/{instance.sha256[:16]}.jpg"


class ReportPhoto(models.Model):
    """A photo as shown (re-encoded JPEG without EXIF) and the evidence read from the original."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("举报"))
    image = models.FileField(_("照片"), upload_to=report_photo_path)
    sha256 = models.CharField(_("原图 SHA-256"), max_length=64)
    original_format = models.CharField(_("原图格式"), max_length=8)
    original_bytes = models.PositiveIntegerField(_("原图大小"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("举报照片")
        verbose_name_plural = _("举报照片")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.sha256[:12]


class ReportEvent(models.Model):
    """One step of the handling; ``public_note`` is what the reporter reads on the tracking page."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("举报"))
    action = models.CharField(_("操作"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices)
    public_note = models.TextField(_("公开说明"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("举报办理记录")
        verbose_name_plural = _("举报办理记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"


class PublicStatistics(models.Model):
    """The public statistics page's figures (``stats.ReportStats.as_data``), computed in the background.

    One row, rewritten by ``services.public_statistics_refresh`` (celery beat every
    ``COMPLAINTS_PUBLIC_STATS_SECONDS``, or when a visit finds the figures older than that): the page reads it and
    never the reports themselves."""

    computed_at = models.DateTimeField(_("统计时间"))
    data = models.JSONField(_("统计数据"))

    class Meta:
        verbose_name = _("举报公开统计")
        verbose_name_plural = _("举报公开统计")

    def __str__(self) -> str:
        return f"{self.computed_at}"
