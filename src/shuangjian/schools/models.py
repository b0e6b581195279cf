"""Schools, their administrators, and the rosters of in-service teachers they upload for the cross-check."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolKind(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初级中学")
    SENIOR = "senior", _("高级中学")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    COMPLETE = "complete", _("完全中学")


class School(models.Model):
    name = models.CharField(_("学校名称"), max_length=128)
    code = models.CharField(_("学校标识码"), max_length=20, unique=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    kind = models.CharField(_("学段"), max_length=12, choices=SchoolKind.choices, default=SchoolKind.PRIMARY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["division_code", "name"]

    def __str__(self) -> str:
        return self.name


class SchoolAdmin(models.Model):
    """Links a school-administrator account to the school it answers for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_admin", verbose_name=_("账号")
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="admins", verbose_name=_("学校"))

    class Meta:
        verbose_name = _("学校管理员")
        verbose_name_plural = _("学校管理员")

    def __str__(self) -> str:
        return f"{self.user} → {self.school}"


class InServiceRoster(models.Model):
    """One upload of a school's in-service teachers; the newest upload of a school is its current roster."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="rosters", verbose_name=_("学校"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("教师人数"), default=0)
    flagged_count = models.PositiveIntegerField(_("发现在校外培训机构任职"), default=0)
    is_current = models.BooleanField(_("现行名单"), default=True, db_index=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("在职教师名单")
        verbose_name_plural = _("在职教师名单")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.school} {self.uploaded_at:%Y-%m-%d}"


class RosterEntry(models.Model):
    roster = models.ForeignKey(InServiceRoster, on_delete=models.CASCADE, related_name="entries")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    resident_id = models.CharField(_("身份证号"), max_length=18, db_index=True)
    name = models.CharField(_("姓名"), max_length=64)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("在职教师")
        verbose_name_plural = _("在职教师")
        constraints = [models.UniqueConstraint(fields=["roster", "resident_id"], name="roster_entry_once_per_roster")]

    def __str__(self) -> str:
        return self.name
