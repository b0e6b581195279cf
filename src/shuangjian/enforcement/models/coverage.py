"""The inspection-coverage figures kept up to date (``enforcement/coverage.py`` writes and reads them).

Per county: its active institutions; per county and year: those of them inspected at least the yearly target of
times in that year by the county. Per institution: what those figures currently count for it, so that a change is
applied as the difference between what is counted and what is true now (``coverage.sync_institutions``), never as a
guess about what the caller changed. The direct computation (``coverage.direct_by_county``) is the oracle the tests
and the ``coverage_rebuild`` command compare with.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoverageMember(models.Model):
    """One active institution as the kept figures count it (no row: counted nowhere)."""

    institution = models.OneToOneField(
        "registry.Institution", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # The county whose ``active`` count includes the institution.
    division_code = models.CharField(_("所属县区代码"), max_length=6)
    # The years whose ``covered`` count of that county includes it (sorted).
    covered_years = models.JSONField(default=list)

    class Meta:
        verbose_name = _("检查覆盖计数（机构）")
        verbose_name_plural = _("检查覆盖计数（机构）")

    def __str__(self) -> str:
        return f"{self.institution_id} @ {self.division_code} {self.covered_years}"


class CoverageCounty(models.Model):
    division_code = models.CharField(_("所属县区代码"), max_length=6, unique=True)
    active = models.IntegerField(_("正常办学机构"), default=0)

    class Meta:
        verbose_name = _("检查覆盖计数（县区）")
        verbose_name_plural = _("检查覆盖计数（县区）")

    def __str__(self) -> str:
        return f"{self.division_code}: {self.active}"


class CoverageCountyYear(models.Model):
    division_code = models.CharField(_("所属县区代码"), max_length=6)
    year = models.IntegerField(_("年度"))
    covered = models.IntegerField(_("年内检查达标机构"), default=0)

    class Meta:
        verbose_name = _("检查覆盖计数（县区年度）")
        verbose_name_plural = _("检查覆盖计数（县区年度）")
        constraints = [models.UniqueConstraint(fields=["year", "division_code"], name="coverage_county_year")]

    def __str__(self) -> str:
        return f"{self.division_code} {self.year}: {self.covered}"
