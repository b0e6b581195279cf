"""The regulator's competitions list as an Excel workbook (core.excel: streamed, formula-like text neutralised),
written by a background job (core.exports) as the owner, with the list page's filters."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.exports import (
    ExportFile,
    ExportKind,
    JobProgress,
    query_from_params,
    register_export,
    stamp,
    xlsx_file,
)
from shuangjian.core.models import User
from shuangjian.core.money import format_fen

from . import selectors
from .models import Competition


def headers() -> list[str]:
    return [
        _("备案编号"),
        _("竞赛名称"),
        _("主办方"),
        _("主办方统一社会信用代码"),
        _("竞赛领域"),
        _("参赛年级"),
        _("开始日期"),
        _("结束日期"),
        _("举办地点"),
        _("报名费（元）"),
        _("状态"),
        _("所属县区代码"),
        _("备案周期"),
        _("联系人"),
        _("联系电话"),
    ]


def _rows(qs: QuerySet[Competition]) -> Iterator[list[Any]]:
    for c in qs.iterator(chunk_size=500):
        yield [
            c.filing_no or "",
            c.name,
            c.organiser_name,
            c.organiser_uscc,
            c.get_subject_area_display(),
            "、".join(c.levels),
            c.starts_on.isoformat(),
            c.ends_on.isoformat(),
            c.places,
            format_fen(c.fee_fen),
            c.get_status_display(),
            c.division_code,
            c.cycle,
            c.contact_name,
            c.contact_phone,
        ]


def filters_from(query: Mapping[str, Any]) -> selectors.CompetitionFilters:
    """The list page's filters from its query (a request's GET, or an export job's params)."""
    cycle = str(query.get("cycle", "") or "")
    return selectors.CompetitionFilters(
        q=" ".join(str(query.get("q", "") or "").split())[:64],
        status=str(query.get("status", "") or ""),
        cycle=int(cycle) if cycle.isdigit() and len(cycle) == 4 else None,
        division=str(query.get("division", "") or "").strip()[:6],
    )


def competitions_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    qs = selectors.competitions_for_user(user, filters_from(query_from_params(params)))
    return xlsx_file(
        progress,
        filename=_("竞赛活动备案-%(stamp)s.xlsx") % {"stamp": stamp()},
        headers=headers(),
        rows=_rows(qs),
        title=_("竞赛活动备案"),
        widths=[22, 30, 28, 22, 10, 24, 12, 12, 30, 10, 10, 12, 10, 10, 14],
        total=qs.count(),
    )


EXPORT = "competitions.list"
register_export(
    ExportKind(EXPORT, gettext_lazy("竞赛活动备案"), "competitions.export_competitions", competitions_export)
)
