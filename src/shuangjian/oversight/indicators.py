"""The county evaluation's indicators, each a registered function computed from live data.

An indicator answers, for one county and one period, the rows it looks at (its denominator) and which of them
count (its numerator): the drill-down lists exactly those rows, so a figure can always be checked by hand. The
lead registers further indicators (complaints, penalty cases, grid reporting) with ``@indicator`` at merge.
Each function's docstring is the method page's text for it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shuangjian.complaints.selectors import reports_for_user
from shuangjian.core.models import User
from shuangjian.enforcement.inspection_selectors import notices_for_user
from shuangjian.enforcement.models import CaseStage, NoticeStatus
from shuangjian.enforcement.selectors import cases_for_user, inspections_for_user
from shuangjian.grid.services import expected_between, submitted_map
from shuangjian.registry.models import InstitutionStatus, SupervisionMode
from shuangjian.registry.selectors import institution_list_for_user
from shuangjian.schools.afterschool import current_term, school_services
from shuangjian.schools.selectors import schools_for_user


@dataclass(frozen=True)
class Row:
    """One row behind a figure: what it is, and whether it counts towards the numerator."""

    key: str
    label: str
    detail: str
    counted: bool
    url: str = ""


@dataclass(frozen=True)
class Figure:
    rows: tuple[Row, ...]

    @property
    def denominator(self) -> int:
        return len(self.rows)

    @property
    def numerator(self) -> int:
        return sum(1 for r in self.rows if r.counted)


Compute = Callable[[User, str, datetime.date, datetime.date], Figure]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    numerator_label: str | Promise
    denominator_label: str | Promise
    compute: Compute

    @property
    def method(self) -> str:
        return " ".join((self.compute.__doc__ or "").split())


REGISTRY: dict[str, Indicator] = {}


def indicator(
    key: str, label: str | Promise, numerator: str | Promise, denominator: str | Promise
) -> Callable[[Compute], Compute]:
    def register(fn: Compute) -> Compute:
        REGISTRY[key] = Indicator(key, label, numerator, denominator, fn)
        return fn

    return register


def indicators() -> list[Indicator]:
    return list(REGISTRY.values())


def _institutions(user: User, county: str):  # type: ignore[no-untyped-def]
    return institution_list_for_user(user=user).filter(division_code=county)


@indicator("on_record", _("机构备案率"), _("已取得办学许可的机构"), _("在办机构（含无证办学）"))
def on_record(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """在办机构（正常办学、停止招生、无证办学）中已取得办学许可（正常办学、停止招生）的比例；以计算时的机构状态为准。"""
    qs = _institutions(user, county).filter(
        status__in=(InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED, InstitutionStatus.UNLICENSED)
    )
    return Figure(
        tuple(
            Row(f"institution:{i.pk}", i.name, i.get_status_display(), i.status != InstitutionStatus.UNLICENSED)
            for i in qs
        )
    )


@indicator("custody", _("预收费监管覆盖率"), _("纳入资金监管的机构"), _("正常办学的机构"))
def custody(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """正常办学的机构中，预收费已纳入银行托管或风险保证金监管的比例；监管方式取机构登记的“预收费监管方式”
    （由资金监管记录写入，此处不另行推算）。"""
    qs = _institutions(user, county).filter(status=InstitutionStatus.ACTIVE)
    return Figure(
        tuple(
            Row(
                f"institution:{i.pk}",
                i.name,
                i.get_supervision_mode_display(),
                i.supervision_mode != SupervisionMode.NONE,
            )
            for i in qs
        )
    )


@indicator("inspection", _("近一年检查覆盖率"), _("检查达到规定次数的机构"), _("正常办学的机构"))
def inspection(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """正常办学的机构中，截止日期前 365 天内完成检查（状态为“已完成”）次数不少于
    ENFORCEMENT_INSPECTIONS_PER_YEAR 次（每年至少 2 次，与“检查覆盖率”页同一设置）的比例。
    “检查覆盖率”页按自然年统计，本指标按截止日期前 365 天统计，故名称不同。"""
    need = int(settings.ENFORCEMENT_INSPECTIONS_PER_YEAR)
    since = end - datetime.timedelta(days=364)
    done = dict(
        inspections_for_user(user)
        .filter(
            division_code=county,
            status="done",
            institution__isnull=False,
            inspected_at__date__gte=since,
            inspected_at__date__lte=end,
        )
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values_list("institution_id", "n")
    )
    qs = _institutions(user, county).filter(status=InstitutionStatus.ACTIVE)
    return Figure(
        tuple(
            Row(
                f"institution:{i.pk}",
                i.name,
                str(_("完成检查 %(n)s 次")) % {"n": done.get(i.pk, 0)},
                done.get(i.pk, 0) >= need,
            )
            for i in qs
        )
    )


@indicator("rectification", _("整改办结率"), _("已整改的通知书"), _("期内到期的整改通知书"))
def rectification(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """整改期限在评价期内的整改通知书中，状态为“已整改”的比例（转立案的计入分母、不计入分子）。"""
    qs = (
        notices_for_user(user)
        .filter(division_code=county, deadline__gte=start, deadline__lte=end)
        .order_by("deadline", "pk")
    )
    return Figure(
        tuple(
            Row(
                f"notice:{n.pk}",
                n.number,
                f"{n.subject_name} · {n.get_status_display()}",
                n.status == NoticeStatus.CLOSED,
            )
            for n in qs
        )
    )


@indicator("afterschool", _("课后服务覆盖率"), _("达到“5+2”的学校"), _("义务教育学校"))
def afterschool(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """义务教育学校中，评价期截止日所在学期课后服务达到“5+2”（每周 5 天、每天不少于 2 小时）的比例；
    由学校填报的课后服务方案计算。"""
    pairs = school_services(schools_for_user(user).filter(division_code=county), current_term(end))
    return Figure(
        tuple(
            Row(
                f"school:{s.pk}",
                s.name,
                str(_("每周 %(d)s 天，每天 %(m)s 分钟")) % {"d": svc.days_per_week, "m": svc.minutes_per_day},
                svc.five_plus_two,
            )
            for s, svc in pairs
        )
    )


@indicator("reports_on_time", _("举报按期答复率"), _("按期答复的举报"), _("答复期限在评价期内的举报"))
def reports_on_time(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """答复期限在评价期内的群众举报（合并到其他举报的不重复计算）中，在答复期限当天或之前答复的比例；
    期限已过仍未答复的计入分母、不计入分子。"""
    qs = (
        reports_for_user(user)
        .filter(division_code=county, merged_into__isnull=True, answer_due_on__gte=start, answer_due_on__lte=end)
        .order_by("answer_due_on", "pk")
    )
    return Figure(
        tuple(
            Row(
                f"report:{r.pk}",
                r.display_code,
                f"{r.get_category_display()} · {r.get_status_display()}",
                r.answered_at is not None
                and r.answer_due_on is not None
                and timezone.localdate(r.answered_at) <= r.answer_due_on,
            )
            for r in qs
        )
    )


@indicator("cases_closed", _("处罚案件办结率"), _("已结案的案件"), _("评价期内立案的案件"))
def cases_closed(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """评价期内立案的行政处罚案件中，已结案（决定已执行完毕）的比例。"""
    qs = cases_for_user(user).filter(division_code=county, filed_on__gte=start, filed_on__lte=end)
    return Figure(
        tuple(
            Row(f"case:{c.pk}", c.filing_no, f"{c.subject_name} · {c.get_stage_display()}", c.stage == CaseStage.CLOSED)
            for c in qs.order_by("filed_on", "pk")
        )
    )


@indicator("grid_reporting", _("网格日报上报率"), _("已上报的日报"), _("应报日报（网格员 × 工作日）"))
def grid_reporting(user: User, county: str, start: datetime.date, end: datetime.date) -> Figure:
    """评价期内每名在岗网格员在所负责网格的每个工作日（法定节假日不报、调休上班日要报；设为休息日也报的网格
    每天都报）应报一份日报；已上报（含逾期补报）的比例。"""
    slots = expected_between(start, end, county)
    submitted = submitted_map(start, end, county)
    return Figure(
        tuple(
            Row(
                f"grid:{s.officer_id}:{s.cell}:{s.day.isoformat()}",
                f"{s.day.isoformat()} {s.cell}",
                str(_("网格员 #%(id)s")) % {"id": s.officer_id},
                s.key in submitted,
            )
            for s in slots
        )
    )


def weights() -> dict[str, float]:
    w: dict[str, float] = dict(settings.OVERSIGHT_INDICATOR_WEIGHTS)
    return {k: float(w.get(k, 0)) for k in REGISTRY}


def threshold(key: str) -> float:
    return float(dict(settings.OVERSIGHT_INDICATOR_THRESHOLDS).get(key, 0))


__all__ = ["Figure", "Indicator", "Q", "Row", "indicator", "indicators", "threshold", "weights"]
