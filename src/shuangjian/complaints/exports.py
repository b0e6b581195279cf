"""The report statistics, computed by a background job (core.exports) as the owner, in the owner's scope.

The figures read every report in reach (working days from each one's dates), so they are not computed in a
request: the job keeps them on its row (``result["data"]``) for the statistics page, with the workbook beside."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, register_export, xlsx_file
from shuangjian.core.models import User
from shuangjian.enforcement.selectors import cases_for_user, inspections_for_user

from . import selectors, stats

STATISTICS = "complaints.statistics"


def statistics_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    reports = selectors.reports_for_user(user)
    progress.total(reports.count())
    figures = stats.report_stats(reports, inspections_for_user(user), cases_for_user(user))
    progress(figures.total)
    made = xlsx_file(
        progress,
        filename="reports-statistics.xlsx",
        headers=[_("分项"), _("项目"), _("数值")],
        rows=stats.stats_rows(figures),
        title=_("举报统计"),
        widths=[20, 30, 12],
    )
    # The statistics page shows these figures; the workbook is offered beside them.
    return replace(made, rows=figures.total, data=figures.as_data())


register_export(
    ExportKind(
        STATISTICS,
        gettext_lazy("举报统计"),
        "complaints.view_statistics",
        statistics_export,
        page="complaints:statistics",
    )
)
