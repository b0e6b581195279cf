"""The reporting rates and gaps as an Excel workbook (core.excel), written by a background job (core.exports)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.excel import write_xlsx
from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, query_from_params, register_export, stamp
from shuangjian.core.models import User

from .forms import PeriodForm
from .selectors import Rates, rates_for_user

RATES = "grid.rates"


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


def rates_xlsx(data: Rates, progress: JobProgress | None = None) -> IO[bytes]:
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
    rows = progress.rows(_rows(data)) if progress is not None else _rows(data)
    return write_xlsx(headers, rows, title=title[:31], widths=[12, 14, 20, 8, 8, 8, 8, 10, 10, 28])


def rates_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    """The rates page's period (``first``/``last``), recomputed as the owner when the job runs."""
    first, last = PeriodForm(query_from_params(params)).period()
    data = rates_for_user(user, first, last)
    total = len(data.counties) + len(data.townships) + len(data.gaps)
    progress.total(total)
    return ExportFile(
        stream=rates_xlsx(data, progress),
        filename=_("网格日报统计-%(stamp)s.xlsx") % {"stamp": stamp()},
        rows=total,
    )


register_export(ExportKind(RATES, gettext_lazy("网格日报统计"), "grid.view_rates", rates_export))
