"""The enforcement exports, run as background jobs (core.exports): inspections, rectification notices, penalty
cases and the county statistics of a year. Each builder reads through the owner's scoped selectors at run time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shuangjian.core.exact_counts import register_exact_count
from shuangjian.core.exports import (
    ExportFile,
    ExportKind,
    JobProgress,
    query_from_params,
    register_export,
    stamp,
    xlsx_file,
)
from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.names import division_names

from . import inspection_selectors as sel
from . import notices as notice_svc
from . import selectors, stats
from .calculator import VIOLATION_LABELS
from .case_filters import filtered_cases  # the list page's own filter form, so the file matches the page

# Every row the filters select, up to what one Excel sheet holds (1,048,576 rows less the header).
EXPORT_MAX_ROWS = 1_048_575

INSPECTIONS = "enforcement.inspections"
NOTICES = "enforcement.notices"
CASES = "enforcement.cases"
STATISTICS = "enforcement.statistics"
INSPECTION_COUNT = "enforcement.inspection_count"
NOTICE_COUNT = "enforcement.notice_count"


def inspections_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    qs = sel.inspection_list_for_user(user, sel.Filters.from_params(query_from_params(params)))[:EXPORT_MAX_ROWS]
    rows = (
        (
            i.subject_name,
            i.division_code,
            i.get_kind_display(),
            i.get_status_display(),
            i.planned_on,
            timezone.localtime(i.completed_at).strftime("%Y-%m-%d %H:%M") if i.completed_at else "",
            i.inspector_signatures,
            ", ".join(i.joint_departments),
        )
        for i in qs.iterator(chunk_size=2000)
    )
    headers = [
        _("对象"),
        _("县区代码"),
        _("类型"),
        _("状态"),
        _("计划日期"),
        _("完成时间"),
        _("检查人员"),
        _("联合部门"),
    ]
    return xlsx_file(
        progress, filename="inspections.xlsx", headers=headers, rows=rows, title=_("检查记录"), total=qs.count()
    )


def notices_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    today = timezone.localdate()
    qs = sel.notice_list_for_user(user, sel.Filters.from_params(query_from_params(params)))[:EXPORT_MAX_ROWS]
    rows = (
        (
            n.number,
            n.subject_name,
            n.division_code,
            n.get_status_display(),
            n.issued_on,
            n.deadline,
            _("是") if notice_svc.notice_overdue(n, today) else "",
            n.reminders,
        )
        for n in qs.iterator(chunk_size=2000)
    )
    headers = [_("文号"), _("对象"), _("县区代码"), _("状态"), _("下达日期"), _("整改期限"), _("逾期"), _("催办次数")]
    return xlsx_file(
        progress, filename="notices.xlsx", headers=headers, rows=rows, title=_("整改通知书"), total=qs.count()
    )


def cases_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    qs, _form = filtered_cases(user, query_from_params(params), timezone.localdate())
    qs = qs[:EXPORT_MAX_ROWS]
    headers = [
        _("立案编号"),
        _("当事人"),
        _("县区"),
        _("违法行为"),
        _("阶段"),
        _("立案日期"),
        _("决定期限"),
        _("决定日期"),
        _("送达日期"),
        _("罚款（元）"),
        _("加处罚款（元）"),
        _("公开日期"),
    ]
    names = dict(Division.objects.filter(level=DivisionLevel.COUNTY).values_list("code", "name"))
    rows = (
        [
            c.filing_no,
            c.subject_name,
            names.get(c.division_code, c.division_code),
            str(VIOLATION_LABELS.get(c.violation, c.violation)),
            c.get_stage_display(),
            c.filed_on,
            c.decide_by,
            c.decided_on,
            c.served_on,
            c.fine_fen / 100,
            c.surcharge_fen / 100,
            c.published_on,
        ]
        for c in qs.iterator(chunk_size=2000)
    )
    return xlsx_file(
        progress,
        filename=f"行政处罚案件-{stamp()}.xlsx",
        headers=headers,
        rows=rows,
        title=_("行政处罚案件"),
        total=qs.count(),
    )


def statistics_year(raw: object) -> int:
    """The year a statistics page or export asks for (``?year=``), this year when absent or out of range."""
    text = str(raw or "")
    this_year = timezone.localdate().year
    return int(text) if text.isdigit() and 2000 <= int(text) <= this_year + 1 else this_year


def statistics_counties(user: User, chosen: str) -> tuple[list[str], str]:
    """The counties in the user's reach, narrowed to ``chosen`` when that one is in reach."""
    counties = list(selectors.counties_for_user(user).values_list("code", flat=True))
    chosen = (chosen or "")[:6]
    if chosen in counties:
        return [chosen], chosen
    return counties, ""


def stat_cell(value: Any, unit: str) -> Any:
    if value is None:
        return "—" if unit else 0
    return value


def statistics_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    query = query_from_params(params)
    year = statistics_year(query.get("year"))
    counties, _chosen = statistics_counties(user, query.get("division", ""))
    progress.total(len(counties))
    data = stats.county_statistics(counties, year)
    names = division_names(counties)
    columns = data.columns()
    rows = [
        (c, names.get(c, c), [stat_cell(v, str(col.unit)) for v, (_s, col) in zip(values, columns, strict=True)])
        for c, values in data.rows()
    ]
    headers = [_("县区代码"), _("县区")] + [str(col.label) for _s, col in columns]
    return xlsx_file(
        progress,
        filename=f"enforcement-statistics-{year}.xlsx",
        headers=headers,
        rows=([code, name, *values] for code, name, values in rows),
        title=_("执法统计"),
    )


register_export(ExportKind(INSPECTIONS, gettext_lazy("检查记录"), "enforcement.view_inspections", inspections_export))
register_export(ExportKind(NOTICES, gettext_lazy("整改通知书"), "enforcement.view_notices", notices_export))
register_export(ExportKind(CASES, gettext_lazy("行政处罚案件"), "enforcement.view_cases", cases_export))
register_export(ExportKind(STATISTICS, gettext_lazy("执法统计"), "enforcement.view_statistics", statistics_export))


# --- exact totals of the inspection and notice lists (core.exact_counts): counted by a job, shown in the header ---


def inspections_total_text(n: int) -> str:
    return ngettext("共 %(n)s 次", "共 %(n)s 次", n) % {"n": intcomma(n)}


def inspections_more_text(n: int) -> str:
    return ngettext("超过 %(n)s 次", "超过 %(n)s 次", n) % {"n": intcomma(n)}


def notices_total_text(n: int) -> str:
    return ngettext("共 %(n)s 份", "共 %(n)s 份", n) % {"n": intcomma(n)}


def notices_more_text(n: int) -> str:
    return ngettext("超过 %(n)s 份", "超过 %(n)s 份", n) % {"n": intcomma(n)}


def inspection_count_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Any]:
    return sel.inspection_list_for_user(user, sel.Filters.from_params(query_from_params(params)))


def notice_count_rows(user: User, params: Mapping[str, Any]) -> QuerySet[Any]:
    return sel.notice_list_for_user(user, sel.Filters.from_params(query_from_params(params)))


register_exact_count(
    INSPECTION_COUNT,
    gettext_lazy("检查记录准确总数"),
    "enforcement.view_inspections",
    inspection_count_rows,
    page="enforcement:inspection_list",
    total_text=inspections_total_text,
    more_text=inspections_more_text,
)
register_exact_count(
    NOTICE_COUNT,
    gettext_lazy("整改通知准确总数"),
    "enforcement.view_notices",
    notice_count_rows,
    page="enforcement:notice_list",
    total_text=notices_total_text,
    more_text=notices_more_text,
)
