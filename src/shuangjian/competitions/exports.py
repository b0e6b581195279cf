"""The regulator's competitions list as an Excel workbook (core.excel: streamed, formula-like text neutralised)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shuangjian.core.excel import write_xlsx
from shuangjian.core.money import format_fen

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


def competitions_xlsx(qs: QuerySet[Competition]) -> IO[bytes]:
    return write_xlsx(
        headers(),
        _rows(qs),
        title=_("竞赛活动备案"),
        widths=[22, 30, 28, 22, 10, 24, 12, 12, 30, 10, 10, 12, 10, 10, 14],
    )
