"""The regulator view (资金监管) as Excel, written by a background job (core.exports) as the owner, in the owner's
scope (and the county chosen on the page). Its figures are the page's: the latest snapshot (funds/overview.py),
whose time of computation names the sheet, so the file and the page never disagree."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.db_routing import replica_reads
from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, query_from_params, register_export, xlsx_file
from shuangjian.core.models import User

from . import overview, selectors
from .models import FundsSnapshotRow

OVERVIEW = "funds.overview"


def headers() -> list[str]:
    return [
        _("县区代码"),
        _("机构"),
        _("托管资金（元）"),
        _("家长预付余额（元）"),
        _("未消课学费（元）"),
        _("覆盖率（%）"),
        _("待确认课次"),
        _("逾期退费"),
        _("本周入账（元）"),
        _("前 %(n)d 周周均（元）") % {"n": selectors.SPIKE_TRAILING_WEEKS},
        _("提示"),
    ]


def rows(qs: Any) -> Iterator[list[Any]]:
    r: FundsSnapshotRow
    for r in qs.iterator(chunk_size=2000):
        flags = []
        if r.outside_custody:
            flags.append(_("疑似体外收费"))
        if r.spike:
            flags.append(_("疑似突击预收"))
        yield [
            r.division_code,
            r.name,
            r.custody_fen / 100,
            r.prepaid_fen / 100,
            r.expected_prepaid_fen / 100,
            r.coverage_percent,
            r.pending_confirmations,
            r.overdue_refunds,
            r.week_in_fen / 100,
            r.trailing_avg_fen / 100,
            "、".join(flags),
        ]


def overview_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    division = query_from_params(params).get("division", "")[:12]
    data = selectors.funds_overview_snapshot(user, division=division)
    if data.snapshot is None:  # nothing computed yet (a new installation): compute it now, in this job
        with replica_reads(enabled=False):
            overview.funds_overview_refresh()
            data = selectors.funds_overview_snapshot(user, division=division)
    assert data.snapshot is not None
    computed = timezone.localtime(data.snapshot.computed_at)
    return xlsx_file(
        progress,
        filename=f"funds-overview-{computed:%Y%m%d%H%M}.xlsx",
        headers=headers(),
        rows=rows(data.institutions),
        title=_("资金监管 %(time)s") % {"time": f"{computed:%Y-%m-%d %H%M}"},
        total=data.institution_count,
    )


register_export(
    ExportKind(OVERVIEW, gettext_lazy("资金监管"), "funds.supervise", overview_export, page="funds:overview")
)
