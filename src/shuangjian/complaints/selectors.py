"""Reads of public reports: staff lists scoped by jurisdiction, and the public tracking view (no private data)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from shuangjian.core.models import User
from shuangjian.core.scope import get_in_scope_or_404, scope_queryset

from . import rules
from .models import PublicStatistics, Report, ReportStatus
from .stats import ReportStats
from .workflow import OPEN_STATES

S = ReportStatus


def reports_for_user(user: User) -> QuerySet[Report]:
    """Reports of the user's reach, each marked ``overdue`` (its step's deadline has passed)."""
    today = timezone.localdate()
    return scope_queryset(Report.objects.all(), user).annotate(
        overdue=Case(
            When(Q(status__in=OPEN_STATES) & Q(due_on__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def report_for_user(user: User, pk: int) -> Report:
    return get_in_scope_or_404(reports_for_user(user).select_related("institution", "inspection"), user, pk=pk)


# The report list's filters: what ``reports_filtered`` reads (a count job is started and found by exactly these).
REPORT_FILTERS = ("q", "status", "category", "division", "overdue", "escalated")


def report_filter_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The list's filters out of a request's (or a job's) params: known keys with a value, last value of each."""
    clean: dict[str, str] = {}
    for key in REPORT_FILTERS:
        value = params.get(key)
        if isinstance(value, list):
            value = value[-1] if value else ""
        if value:
            clean[key] = str(value)
    return clean


def reports_filtered(user: User, params: Mapping[str, str]) -> QuerySet[Report]:
    qs = reports_for_user(user).select_related("institution")
    if params.get("status") in S.values:
        qs = qs.filter(status=params["status"])
    if params.get("category"):
        qs = qs.filter(category=params["category"])
    if params.get("division"):
        qs = qs.filter(division_code=params["division"])
    if params.get("overdue") == "1":
        qs = qs.filter(status__in=OPEN_STATES, due_on__lt=timezone.localdate())
    if params.get("escalated") == "1":
        qs = qs.filter(level="city")
    code = rules.tracking_code_normalise(params.get("q", ""))
    if code:
        qs = qs.filter(code=code)
    return qs


def report_by_code(text: str) -> Report:
    """The report a tracking code names, for its reporter (404 for a malformed or unknown code)."""
    code = rules.tracking_code_normalise(text or "")
    if code is None:
        raise Http404
    try:
        return Report.objects.select_related("merged_into").get(code=code)
    except Report.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class PublicStep:
    at: datetime.datetime
    status: str
    note: str


@dataclass(frozen=True)
class PublicReport:
    """What anyone holding the code may read: no phone, no account, no staff names, no photo evidence data."""

    code: str
    display_code: str
    category: str
    category_label: str
    status: str
    status_label: str
    received_at: datetime.datetime
    updated_at: datetime.datetime
    address: str
    division_code: str
    description: str
    subject: str
    refuse_reason: str
    answer: str
    answered_at: datetime.datetime | None
    merged_into: str
    steps: list[PublicStep]
    can_rate: bool
    can_dispute: bool
    rating: int | None
    photo_count: int
    department_label: str
    level_label: str
    lat: Any
    long: Any


def public_report(report: Report) -> PublicReport:
    """The public view of a report; a merged report shows its primary's progress and answer after its own steps."""
    main = report.merged_into if report.merged_into_id else report
    assert main is not None
    steps = [PublicStep(e.at, e.get_status_display(), e.public_note) for e in report.events.all()]
    if main.pk != report.pk:
        steps += [PublicStep(e.at, e.get_status_display(), e.public_note) for e in main.events.all()]
    return PublicReport(
        code=report.code,
        display_code=report.display_code,
        category=report.category,
        category_label=report.get_category_display(),
        status=main.status,
        status_label=main.get_status_display(),
        received_at=report.received_at,
        updated_at=max(report.updated_at, main.updated_at),
        address=report.address,
        division_code=report.division_code,
        description=report.description,
        subject=report.subject_label,
        refuse_reason=report.refuse_reason,
        answer=main.answer,
        answered_at=main.answered_at,
        merged_into=main.display_code if main.pk != report.pk else "",
        steps=steps,
        can_rate=main.pk == report.pk and report.status in (S.ANSWERED, S.CLOSED) and report.rating is None,
        can_dispute=main.pk == report.pk and report.status in (S.ANSWERED, S.CLOSED) and report.disputed_at is None,
        rating=report.rating,
        photo_count=report.photos.count(),
        department_label=main.get_department_display(),
        level_label=main.get_level_display(),
        lat=report.latitude,
        long=report.longitude,
    )


def is_closed_for_public(status: str) -> bool:
    return status in (S.CLOSED, S.REFUSED)


@dataclass(frozen=True)
class PublicFigures:
    """The public statistics as last computed (``services.public_statistics_refresh``) and when."""

    figures: ReportStats
    computed_at: datetime.datetime


def public_statistics() -> PublicFigures | None:
    """The public statistics as last computed in the background; None before the first computation."""
    row = PublicStatistics.objects.filter(pk=1).first()
    if row is None:
        return None
    return PublicFigures(figures=ReportStats.from_data(row.data), computed_at=row.computed_at)
