"""Aggregate figures on public reports (regulator dashboard, public page, Excel): never a reporter's data.

Times are in working days (core.calendar). "On time" = answered no later than the answer deadline set at
acceptance (RULES.md public reports row: 15 working days, outer bound 60 days).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.calendar import working_days_between
from shuangjian.core.models import Division
from shuangjian.enforcement.models import Inspection, InspectionSource, PenaltyCase

from .models import Category, Report, ReportStatus

S = ReportStatus


@dataclass
class OnTime:
    name: str
    answered: int = 0
    on_time: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.answered) if self.answered else None


@dataclass
class ReportStats:
    total: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_county: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    by_outcome: list[tuple[str, int]] = field(default_factory=list)
    avg_acknowledge_days: float | None = None
    avg_assign_days: float | None = None
    avg_answer_days: float | None = None
    on_time_by_county: list[OnTime] = field(default_factory=list)
    on_time_by_institution: list[OnTime] = field(default_factory=list)
    inspections_total: int = 0
    inspections_from_reports: int = 0
    cases_total: int | None = None
    cases_from_reports: int | None = None

    @property
    def inspections_share(self) -> int | None:
        if not self.inspections_total:
            return None
        return round(100 * self.inspections_from_reports / self.inspections_total)

    def as_data(self) -> dict[str, Any]:
        """The figures as JSON (kept on the background job that computed them)."""
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ReportStats:
        """The figures back from ``as_data``."""
        out = cls()
        for name in ("total", "inspections_total", "inspections_from_reports", "cases_total", "cases_from_reports"):
            setattr(out, name, data.get(name, getattr(out, name)))
        for name in ("avg_acknowledge_days", "avg_assign_days", "avg_answer_days"):
            setattr(out, name, data.get(name))
        for name in ("by_category", "by_county", "by_month", "by_outcome"):
            setattr(out, name, [(str(label), int(n)) for label, n in data.get(name) or []])
        for name in ("on_time_by_county", "on_time_by_institution"):
            setattr(out, name, [OnTime(**row) for row in data.get(name) or []])
        return out

    def chart(self) -> dict[str, Any]:
        return {
            "category": {"labels": [c for c, _ in self.by_category], "values": [n for _, n in self.by_category]},
            "county": {"labels": [c for c, _ in self.by_county], "values": [n for _, n in self.by_county]},
            "month": {"labels": [m for m, _ in self.by_month], "values": [n for _, n in self.by_month]},
            "outcome": [{"name": o, "value": n} for o, n in self.by_outcome],
        }


def _avg(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def cases_from_reports(inspections: QuerySet[Inspection], cases: QuerySet[PenaltyCase]) -> tuple[int, int]:
    """(penalty cases, of which from reports): a case comes from a report when the inspection it was filed from
    was raised by a report."""
    total = cases.count()
    from_reports = cases.filter(
        source_inspection__in=inspections.filter(source=InspectionSource.REPORT).values("pk")
    ).count()
    return total, from_reports


def report_stats(
    reports: QuerySet[Report],
    inspections: QuerySet[Inspection] | None = None,
    cases: QuerySet[PenaltyCase] | None = None,
) -> ReportStats:
    out = ReportStats()
    base = reports.filter(merged_into__isnull=True)
    out.total = base.count()
    labels = dict(Category.choices)
    out.by_category = [
        (str(labels.get(r["category"], r["category"])), r["n"])
        for r in base.values("category").annotate(n=Count("pk")).order_by("-n", "category")
    ]
    names = dict(Division.objects.filter(level="county").values_list("code", "name"))
    out.by_county = [
        (names.get(r["division_code"], r["division_code"]), r["n"])
        for r in base.values("division_code").annotate(n=Count("pk")).order_by("division_code")
    ]
    out.by_month = [
        (timezone.localtime(r["m"]).strftime("%Y-%m") if r["m"] else "", r["n"])
        for r in base.annotate(m=TruncMonth("received_at")).values("m").annotate(n=Count("pk")).order_by("m")
    ]
    status_labels = dict(S.choices)
    out.by_outcome = [
        (str(status_labels[r["status"]]), r["n"])
        for r in base.values("status").annotate(n=Count("pk")).order_by("status")
    ]
    ack: list[int] = []
    assign: list[int] = []
    answer: list[int] = []
    county: dict[str, OnTime] = {}
    inst: dict[int, OnTime] = {}
    rows = base.values_list(
        "received_at",
        "acknowledged_at",
        "assigned_at",
        "answered_at",
        "answer_due_on",
        "division_code",
        "institution_id",
        "institution__name",
    )
    for received, acked, assigned, answered, due, div, inst_id, inst_name in rows.iterator(chunk_size=2000):
        start = timezone.localdate(received)
        if acked:
            ack.append(working_days_between(start, timezone.localdate(acked)))
        if assigned and acked:
            assign.append(working_days_between(timezone.localdate(acked), timezone.localdate(assigned)))
        if answered and acked:
            answer.append(working_days_between(timezone.localdate(acked), timezone.localdate(answered)))
        if answered and due:
            ok = timezone.localdate(answered) <= due
            c = county.setdefault(div, OnTime(names.get(div, div)))
            c.answered += 1
            c.on_time += ok
            if inst_id:
                i = inst.setdefault(inst_id, OnTime(inst_name or ""))
                i.answered += 1
                i.on_time += ok
    out.avg_acknowledge_days, out.avg_assign_days, out.avg_answer_days = _avg(ack), _avg(assign), _avg(answer)
    out.on_time_by_county = sorted(county.values(), key=lambda o: o.name)
    out.on_time_by_institution = sorted(inst.values(), key=lambda o: (-o.answered, o.name))[:50]
    if inspections is not None:
        sources = Counter(dict(inspections.values_list("source").annotate(n=Count("pk")).values_list("source", "n")))
        out.inspections_total = sum(sources.values())
        out.inspections_from_reports = sources.get(InspectionSource.REPORT, 0)
        if cases is not None:
            out.cases_total, out.cases_from_reports = cases_from_reports(inspections, cases)
    return out


def stats_rows(stats: ReportStats) -> list[tuple[str, str, Any]]:
    """The figures as (section, item, value) rows for the Excel export."""
    rows: list[tuple[str, str, Any]] = [(_("合计"), _("举报件数"), stats.total)]
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    groups[_("按类别")] = stats.by_category
    groups[_("按县区")] = stats.by_county
    groups[_("按月份")] = stats.by_month
    groups[_("按办理结果")] = stats.by_outcome
    for section, items in groups.items():
        rows += [(section, name, n) for name, n in items]
    rows += [
        (_("办理时长（工作日）"), _("平均受理"), stats.avg_acknowledge_days),
        (_("办理时长（工作日）"), _("平均分办"), stats.avg_assign_days),
        (_("办理时长（工作日）"), _("平均答复"), stats.avg_answer_days),
    ]
    rows += [(_("按期答复率（县区）"), o.name, o.percent) for o in stats.on_time_by_county]
    rows += [(_("按期答复率（机构）"), o.name, o.percent) for o in stats.on_time_by_institution]
    rows += [
        (_("检查来源"), _("检查总数"), stats.inspections_total),
        (_("检查来源"), _("来自举报"), stats.inspections_from_reports),
    ]
    return rows
