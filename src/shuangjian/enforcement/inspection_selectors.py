"""Reads of the inspections area (tasks, inspections, notices, evidence, signs and ads), each scoped by the
caller's jurisdiction; an operator reaches only rows of its own institution. Out of reach is a 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shuangjian.core.access import operator_institution  # re-exported for the API
from shuangjian.core.models import User
from shuangjian.core.scope import code_prefix_q, get_in_scope_or_404, scope_queryset

from .models import (
    AdFinding,
    EvidencePhoto,
    Inspection,
    InspectionKind,
    InspectionStatus,
    NoticeStatus,
    RectificationNotice,
)
from .selectors import inspections_for_user

# The inspection and notice lists count their rows this far; past it the header says "超过 1,000" and offers the
# exact total, counted by a job (core.exact_counts).
LIST_COUNT_CAP = 1000
LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    county: str = ""
    kind: str = ""
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params: object) -> Filters:
        get = getattr(params, "get", lambda k, d="": d)

        def day(name: str) -> datetime.date | None:
            try:
                return datetime.date.fromisoformat(str(get(name, "") or ""))
            except ValueError:
                return None

        return cls(
            county=str(get("county", "") or "")[:6],
            kind=str(get("kind", "") or "")[:12],
            status=str(get("status", "") or "")[:12],
            date_from=day("date_from"),
            date_to=day("date_to"),
            q=str(get("q", "") or "")[:64].strip(),
        )

    def as_params(self) -> dict[str, str]:
        """The filters as ``from_params`` reads them back, empty ones left out: one key for one list (its exact
        total's job is found by these params)."""
        values = {
            "county": self.county,
            "kind": self.kind,
            "status": self.status,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Tasks:
    today: list[Inspection]
    follow_ups: list[Inspection]
    leads: list[Inspection]
    notices_due: list[RectificationNotice]


def my_tasks(user: User, today: datetime.date | None = None) -> Tasks:
    """The inspector's day: planned inspections assigned to them up to today, follow-ups due, unassigned leads
    of the county, and notices past their deadline with no follow-up yet."""
    today = today or timezone.localdate()
    planned = inspections_for_user(user).filter(status__in=(InspectionStatus.PLANNED, InspectionStatus.DRAFT))
    mine = planned.filter(Q(lead_inspector=user) | Q(inspectors=user)).distinct()
    return Tasks(
        today=list(mine.exclude(kind=InspectionKind.FOLLOW_UP).filter(planned_on__lte=today).order_by("planned_on")),
        follow_ups=list(mine.filter(kind=InspectionKind.FOLLOW_UP).order_by("planned_on")),
        leads=list(planned.filter(lead_inspector__isnull=True, inspectors__isnull=True).order_by("-pk")[:20]),
        notices_due=list(
            notices_for_user(user)
            .filter(status__in=(NoticeStatus.ISSUED, NoticeStatus.ANSWERED), deadline__lt=today)
            .order_by("deadline")[:20]
        ),
    )


def _filtered(qs: QuerySet, f: Filters, day_field: str) -> QuerySet:
    if f.county:
        qs = qs.filter(code_prefix_q("division_code", f.county))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.date_from:
        qs = qs.filter(**{f"{day_field}__gte": f.date_from})
    if f.date_to:
        qs = qs.filter(**{f"{day_field}__lte": f.date_to})
    if f.q:
        qs = qs.filter(subject_name__icontains=f.q)
    return qs


def inspection_list_for_user(user: User, filters: Filters) -> QuerySet[Inspection]:
    qs = inspections_for_user(user).select_related("lead_inspector")
    return _filtered(qs, filters, "planned_on").order_by("-planned_on", "-pk")


def inspection_for_user(user: User, pk: int) -> Inspection:
    return get_in_scope_or_404(Inspection.objects.select_related("institution", "follows"), user, pk=pk)


def notices_for_user(user: User) -> QuerySet[RectificationNotice]:
    return scope_queryset(RectificationNotice.objects.all(), user)


def notice_list_for_user(user: User, filters: Filters) -> QuerySet[RectificationNotice]:
    qs = notices_for_user(user)
    if filters.status == "overdue":
        qs = qs.filter(status__in=(NoticeStatus.ISSUED, NoticeStatus.ANSWERED), deadline__lt=timezone.localdate())
        filters = Filters(filters.county, filters.kind, "", filters.date_from, filters.date_to, filters.q)
    return _filtered(
        qs, Filters(filters.county, "", filters.status, filters.date_from, filters.date_to, filters.q), "issued_on"
    ).order_by("-issued_on", "-pk")


def notice_for_user(user: User, pk: int) -> RectificationNotice:
    return get_in_scope_or_404(RectificationNotice.objects.select_related("inspection", "follow_up"), user, pk=pk)


def warning_day(today: datetime.date | None = None) -> datetime.date:
    """Notices due on or before this day are flagged "due soon"."""
    return (today or timezone.localdate()) + datetime.timedelta(days=int(settings.RECTIFICATION_WARNING_DAYS))


# --- the operator's own -----------------------------------------------------------------------------------------


def own_notices(user: User) -> QuerySet[RectificationNotice]:
    inst = operator_institution(user)
    if inst is None:
        return RectificationNotice.objects.none()
    return RectificationNotice.objects.filter(institution=inst).order_by("-issued_on", "-pk")


def own_notice(user: User, pk: int) -> RectificationNotice:
    row = own_notices(user).filter(pk=pk).select_related("inspection").first()
    if row is None:
        raise Http404
    return row


def own_inspections(user: User) -> QuerySet[Inspection]:
    inst = operator_institution(user)
    if inst is None:
        return Inspection.objects.none()
    return Inspection.objects.filter(institution=inst, status=InspectionStatus.DONE).order_by("-completed_at")


# --- evidence and signs/ads -----------------------------------------------------------------------------------


def evidence_photo_for_user(user: User, pk: int) -> EvidencePhoto:
    """Staff of the county, or the operator of the institution concerned (for answers and inspection items of
    its own institution); anyone else a 404."""
    inst = operator_institution(user)
    if inst is not None:
        row = EvidencePhoto.objects.filter(pk=pk, institution=inst).first()
        if row is None or row.ad_finding_id is not None:
            raise Http404
        return row
    return get_in_scope_or_404(EvidencePhoto.objects.all(), user, pk=pk)


def ads_for_user(user: User, filters: Filters) -> QuerySet[AdFinding]:
    qs = scope_queryset(AdFinding.objects.all(), user)
    if filters.status == "removed":
        qs = qs.filter(removed=True)
    elif filters.status == "open":
        qs = qs.filter(removed=False)
    return _filtered(
        qs, Filters(filters.county, filters.kind, "", filters.date_from, filters.date_to, filters.q), "found_on"
    ).order_by("-found_on", "-pk")


def ad_for_user(user: User, pk: int) -> AdFinding:
    return get_in_scope_or_404(AdFinding.objects.all(), user, pk=pk)


def ad_counts_per_county(user: User, year: int) -> list[dict[str, object]]:
    """Per county: signs and ads found this year, and how many removed."""
    qs = scope_queryset(AdFinding.objects.filter(found_on__year=year), user)
    return list(
        qs.values("division_code")
        .annotate(found=Count("pk"), removed=Count("pk", filter=Q(removed=True)))
        .order_by("division_code")
    )
