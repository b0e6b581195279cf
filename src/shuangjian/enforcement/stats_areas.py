"""The county statistics' figures for notices, penalty cases (by stage, fines) and signs and ads: one grouped
query per area and year, registered on the statistics page (``stats.register_figures``)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from .models import AdFinding, CaseStage, NoticeStatus, PenaltyCase, RectificationNotice
from .stats import Column, Figures, register_figures


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _by_county(rows: Sequence[dict[str, object]], keys: Sequence[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {k: {} for k in keys}
    for row in rows:
        county = str(row["division_code"])
        for k in keys:
            out[k][county] = int(row[k] or 0)  # type: ignore[call-overload]
    return out


@register_figures(
    "notices",
    _("整改通知"),
    columns=(
        Column("issued", _("下达整改通知书")),
        Column("closed", _("已整改")),
        Column("escalated", _("转立案")),
    ),
    order=30,
)
def notice_figures(counties: Sequence[str], year: int) -> Figures:
    """Rectification notices issued in the year, and of them those closed and those escalated to a case."""
    start, end = _year(year)
    rows = list(
        RectificationNotice.objects.filter(division_code__in=list(counties), issued_on__gte=start, issued_on__lte=end)
        .values("division_code")
        .annotate(
            issued=Count("pk"),
            closed=Count("pk", filter=Q(status=NoticeStatus.CLOSED)),
            escalated=Count("pk", filter=Q(status=NoticeStatus.ESCALATED)),
        )
        .order_by()
    )
    return _by_county(rows, ("issued", "closed", "escalated"))


STAGE_COLUMNS = tuple(Column(f"stage_{s.value}", s.label) for s in CaseStage)


@register_figures(
    "cases",
    _("处罚案件"),
    columns=(Column("filed", _("立案")), *STAGE_COLUMNS, Column("fines", _("罚款（元）"), _("元"))),
    order=40,
)
def case_figures(counties: Sequence[str], year: int) -> Figures:
    """Penalty cases filed in the year, by the stage they are at now, and the fines decided in the year (yuan)."""
    start, end = _year(year)
    filed = (
        PenaltyCase.objects.filter(division_code__in=list(counties), filed_on__gte=start, filed_on__lte=end)
        .values_list("division_code", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[str, dict[str, float | int | None]] = {"filed": {}}
    for county, stage, n in filed:
        out["filed"][county] = int(out["filed"].get(county) or 0) + n
        out.setdefault(f"stage_{stage}", {})[county] = n
    fines = (
        PenaltyCase.objects.filter(division_code__in=list(counties), decided_on__gte=start, decided_on__lte=end)
        .values_list("division_code")
        .annotate(total=Sum("fine_fen"))
        .order_by()
    )
    # Money is fen everywhere; the statistics show yuan, exactly (two decimals).
    out["fines"] = {county: round((total or 0) / 100, 2) for county, total in fines}
    return out


@register_figures(
    "ads",
    _("违规广告和招牌"),
    columns=(Column("found", _("发现")), Column("removed", _("已清理"))),
    order=50,
)
def ad_figures(counties: Sequence[str], year: int) -> Figures:
    """Illegal ads and signs found in the year, and of them those removed."""
    start, end = _year(year)
    rows = list(
        AdFinding.objects.filter(division_code__in=list(counties), found_on__gte=start, found_on__lte=end)
        .values("division_code")
        .annotate(found=Count("pk"), removed=Count("pk", filter=Q(removed=True)))
        .order_by()
    )
    return _by_county(rows, ("found", "removed"))
