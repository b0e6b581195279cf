from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级")


class Division(models.Model):
    """An administrative division (GB/T 2260; 9-digit statistical codes for townships and streets).

    Codes nest by prefix, so a scope of ``4102`` covers every row whose division code starts with it.
    """

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=10, choices=DivisionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class GridCell(models.Model):
    """A grid cell (网格) under a township; grid officers patrol and report per cell."""

    code = models.CharField(_("网格编码"), max_length=20, primary_key=True)
    name = models.CharField(_("网格名称"), max_length=64)
    township = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="grid_cells", verbose_name=_("所属乡镇（街道）")
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
