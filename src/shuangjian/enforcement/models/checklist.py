"""What an inspection found: one row per checklist item, photo evidence, and illegal signs and ads (inspections
area). The checklist itself is data in ``enforcement/checklist.py``; a row keeps the item's label as it read on
the day so a later wording change never rewrites a finished inspection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .inspections import Inspection


class ItemResult(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    NOT_APPLICABLE = "na", _("不适用")


class InspectionItem(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items", verbose_name=_("检查"))
    code = models.CharField(_("检查项代码"), max_length=40)
    label = models.CharField(_("检查项"), max_length=128)
    result = models.CharField(_("结果"), max_length=8, choices=ItemResult.choices)
    note = models.TextField(_("情况说明"), blank=True)
    # A failed item the regulator decided needs no rectification (e.g. already corrected on the spot).
    waived = models.BooleanField(_("免予整改"), default=False)
    waive_reason = models.CharField(_("免予整改理由"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        ordering = ["inspection", "pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "code"], name="insp_item_once")]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_result_display()}"

    @property
    def needs_rectification(self) -> bool:
        return self.result == ItemResult.FAILED and not self.waived


class AdKind(models.TextChoices):
    SIGN = "sign", _("招牌标识")
    BANNER = "banner", _("横幅海报")
    LEAFLET = "leaflet", _("传单")
    OUTDOOR = "outdoor", _("户外广告")
    ONLINE = "online", _("网络广告")
    OTHER = "other", _("其他")


class AdFinding(models.Model):
    """An illegal training ad or sign found (e.g. subject training advertised in public space)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="ad_findings", verbose_name=_("检查")
    )
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("机构"),
    )
    subject_name = models.CharField(_("发布主体"), max_length=128)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    kind = models.CharField(_("类型"), max_length=10, choices=AdKind.choices)
    place = models.CharField(_("位置"), max_length=255)
    found_on = models.DateField(_("发现日期"))
    removed = models.BooleanField(_("已清理"), default=False)
    removed_on = models.DateField(_("清理日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("违规广告标识")
        verbose_name_plural = _("违规广告标识")
        ordering = ["-found_on", "-pk"]
        indexes = [models.Index(fields=["division_code", "found_on"], name="ad_div_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.place}"


class EvidencePhoto(models.Model):
    """A photo checked by core/photos.py: the stored file is the re-encoded display JPEG (no EXIF); the original's
    hash, time and GPS are kept here as evidence. Served only through a permission-checked view, never MEDIA_URL."""

    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="photos")
    ad_finding = models.ForeignKey(AdFinding, on_delete=models.CASCADE, null=True, blank=True, related_name="photos")
    answer = models.ForeignKey(
        "enforcement.NoticeAnswer", on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    # Copied from the owning record so that the evidence view scopes one row without joins.
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("照片"), upload_to="enforcement/photos/%Y/%m/")
    original_sha256 = models.CharField(_("原图SHA-256"), max_length=64)
    original_format = models.CharField(_("原图格式"), max_length=8)
    original_bytes = models.PositiveIntegerField(_("原图大小"))
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证据照片")
        verbose_name_plural = _("证据照片")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_sha256[:12]
