"""The report statistics, computed by a background job (core.exports) as the owner, in the owner's scope.

The figures read every report in reach (working days from each one's dates), so they are not computed in a
request: the job keeps them on its row (``result["data"]``) for the statistics page, with the workbook beside."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shuangjian.core.exact_counts import register_exact_count
from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, register_export, xlsx_file
from shuangjian.core.models import User
from shuangjian.enforcement.selectors import cases_for_user, inspections_for_user

from . import selectors, stats
from .models import Report

STATISTICS = "complaints.statistics"
REPORT_COUNT = "complaints.report_count"


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


# The report list's exact total (core.exact_counts): counted by a job, shown in the list's header.


def reports_total_text(n: int) -> str:
    return ngettext("共 %(n)s 件", "共 %(n)s 件", n) % {"n": intcomma(n)}


def reports_more_text(n: int) -> str:
    return ngettext("超过 %(n)s 件", "超过 %(n)s 件", n) % {"n": intcomma(n)}


def report_count_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Report]:
    return selectors.reports_filtered(user, selectors.report_filter_params(params))


register_exact_count(
    REPORT_COUNT,
    gettext_lazy("举报准确总数"),
    "complaints.view_reports",
    report_count_rows,
    page="complaints:report_list",
    total_text=reports_total_text,
    more_text=reports_more_text,
)
