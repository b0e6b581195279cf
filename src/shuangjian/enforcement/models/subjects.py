"""Whom an inspection or a case concerns: a registered institution, a person, or an unlicensed operation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangjian.core.models import Department


class SubjectKind(models.TextChoices):
    INSTITUTION = "institution", _("登记机构")
    PERSON = "person", _("人员")
    UNLICENSED = "unlicensed", _("无证无照")


class UnlicensedOperation(models.Model):
    """An unlicensed training operation (无证无照) seen in the field or reported, with no registry row yet;
    linked to an institution row when one is made (e.g. it applies for a licence or is registered as closed)."""

    name = models.CharField(_("名称或招牌"), max_length=128)
    address = models.CharField(_("地址"), max_length=255)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    grid_code = models.CharField(_("网格编码"), max_length=20, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    people_seen = models.TextField(_("现场人员"), blank=True)
    description = models.TextField(_("情况描述"), blank=True)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unlicensed_operations",
        verbose_name=_("关联机构"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("无证无照培训")
        verbose_name_plural = _("无证无照培训")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class SubjectFields(models.Model):
    """The subject of an inspection or a case: exactly one of institution / person / unlicensed operation,
    and the division (and department) whose staff act on it."""

    subject_kind = models.CharField(_("对象类型"), max_length=12, choices=SubjectKind.choices)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("机构"),
    )
    person = models.ForeignKey(
        "staff.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("人员")
    )
    unlicensed = models.ForeignKey(
        UnlicensedOperation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("无证无照培训"),
    )
    # The name as shown in lists (kept with the row so a list never joins three tables to print a name).
    subject_name = models.CharField(_("对象名称"), max_length=128)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    department = models.CharField(
        _("主办部门"), max_length=24, choices=Department.choices, default=Department.EDUCATION
    )

    class Meta:
        abstract = True
