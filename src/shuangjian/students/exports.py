"""The enrolment list as Excel, written by a background job (core.exports) as the owner, in the owner's scope
(a parent's children, an operator's institution, a school's pupils, a regulator's jurisdiction)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.exports import ExportFile, ExportKind, JobProgress, query_from_params, register_export, xlsx_file
from shuangjian.core.models import User
from shuangjian.core.money import format_fen
from shuangjian.core.permissions import can
from shuangjian.core.validators import mask_resident_id

from . import selectors
from .models import Enrolment

ENROLMENTS = "students.enrolments"
ENROLMENT_TOTALS = "students.enrolment_totals"
# Every row the filters select, up to what one Excel sheet holds (1,048,576 rows less the header).
EXPORT_LIMIT = 1_048_575


def headers() -> list[str]:
    return [
        _("学员姓名"),
        _("身份证号"),
        _("学籍号"),
        _("就读学校"),
        _("学校代码"),
        _("年级"),
        _("培训机构"),
        _("课程"),
        _("班级"),
        _("开始日期"),
        _("结束日期"),
        _("购买课时"),
        _("每课时价格（元）"),
        _("总费用（元）"),
        _("状态"),
        _("合同编号"),
        _("县区代码"),
    ]


def rows(qs: QuerySet[Enrolment]) -> Iterator[list[Any]]:
    for e in qs.iterator(chunk_size=2000):
        s = e.student
        yield [
            s.name,
            mask_resident_id(s.resident_id) if s.resident_id else "",
            s.school_roll_no,
            s.school_name,
            s.school_code,
            s.grade,
            e.institution.name,
            e.class_group.course.name,
            e.class_group.name,
            e.start_date,
            e.end_date,
            e.lessons_bought,
            format_fen(e.price_per_lesson_fen),
            format_fen(e.total_fee_fen),
            e.get_status_display(),
            e.contract_no,
            e.division_code,
        ]


def enrolments_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    qs = selectors.filter_enrolments(selectors.enrolments_for_user(user), query_from_params(params))[:EXPORT_LIMIT]
    return xlsx_file(
        progress,
        filename=f"enrolments-{timezone.localdate():%Y%m%d}.xlsx",
        headers=headers(),
        rows=rows(qs),
        title=_("学员报名"),
        total=qs.count(),
    )


register_export(ExportKind(ENROLMENTS, gettext_lazy("学员报名"), "students.view_enrolments", enrolments_export))


def enrolment_totals_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    """The list header's exact figures for the filters the list was showing (every row in reach is read), kept on
    the job for the list page, with a workbook of the same figures."""
    qs = selectors.filter_enrolments(selectors.enrolments_for_user(user), query_from_params(params))
    totals = selectors.enrolment_totals_exact(qs, by_institution=not can(user, "students.manage_enrolments"))
    progress.total(totals["enrolments"])

    def figure_rows() -> Iterator[list[Any]]:
        yield [_("合计"), _("报名"), totals["enrolments"]]
        yield [_("合计"), _("学员"), totals["students"]]
        yield [_("合计"), _("机构"), totals["institutions"]]
        yield [_("合计"), _("合同金额（元）"), format_fen(totals["fee_fen"])]
        for label, n, _more in totals["by_status"]:
            yield [_("按状态"), str(label), n]
        for row in totals["by_institution"]:
            yield [_("报名最多的机构"), row["institution__name"], row["n"]]

    made = xlsx_file(
        progress,
        filename=f"enrolment-totals-{timezone.localdate():%Y%m%d}.xlsx",
        headers=[_("分项"), _("项目"), _("数值")],
        rows=figure_rows(),
        title=_("报名合计"),
        widths=[16, 30, 14],
    )
    progress(totals["enrolments"])
    return replace(made, rows=totals["enrolments"], data=selectors.enrolment_totals_as_data(totals))


register_export(
    ExportKind(
        ENROLMENT_TOTALS,
        gettext_lazy("报名准确合计"),
        "students.view_enrolments",
        enrolment_totals_export,
        page="students:enrolment_list",
    )
)
