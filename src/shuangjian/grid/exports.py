"""The reporting rates and gaps as an Excel workbook (core.excel)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from shuangjian.core.excel import write_xlsx

from .selectors import Rates


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value}%"


def _rows(data: Rates) -> Iterator[list[Any]]:
    for level, rows in ((_("县区"), data.counties), (_("乡镇（街道）"), data.townships)):
        for r in rows:
            yield [
                level,
                r.code,
                r.name,
                r.tally.expected,
                r.tally.actual,
                r.tally.on_time,
                r.tally.missing,
                _pct(r.reporting_percent),
                _pct(r.on_time_percent),
                "",
            ]
    for g in data.gaps:
        yield [_("缺报"), g.slot.cell, g.cell, 1, 0, 0, 1, "", "", f"{g.slot.day.isoformat()} {g.officer}"]


def rates_xlsx(data: Rates) -> IO[bytes]:
    headers = [
        _("层级"),
        _("代码"),
        _("名称"),
        _("应报"),
        _("实报"),
        _("按时报"),
        _("缺报"),
        _("上报率"),
        _("按时率"),
        _("缺报日期及网格员"),
    ]
    title = _("网格日报统计 %(first)s 至 %(last)s") % {"first": data.first.isoformat(), "last": data.last.isoformat()}
    return write_xlsx(headers, _rows(data), title=title[:31], widths=[12, 14, 20, 8, 8, 8, 8, 10, 10, 28])
