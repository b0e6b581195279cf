"""Every read of enforcement records a person sees, already restricted to the caller's reach."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.scope import code_prefix_q, scope_q, scope_queryset, user_reach

from .models import Draw, DrawStatus, Inspection, InspectionPlan, InspectorConflict, PenaltyCase, UnlicensedOperation


def inspections_for_user(user: User) -> QuerySet[Inspection]:
    """Inspections of the user's reach (county staff: their county; operators: none here, see their notices)."""
    return scope_queryset(Inspection.objects.all(), user)


def unlicensed_operations_for_user(user: User) -> QuerySet[UnlicensedOperation]:
    return scope_queryset(UnlicensedOperation.objects.all(), user)


# --- plans and the random draw (双随机一公开), coverage and statistics ---


def plans_for_user(user: User) -> QuerySet[InspectionPlan]:
    return scope_queryset(InspectionPlan.objects.all(), user)


def draws_for_user(user: User) -> QuerySet[Draw]:
    return scope_queryset(Draw.objects.select_related("plan"), user)


def public_draws() -> QuerySet[Draw]:
    """Draws anyone may see: committed ones (the seed's hash and the lists, before the draw), published ones and
    discarded ones that had been drawn (seed revealed). A drawn, unpublished result stays internal."""
    return (
        Draw.objects.select_related("plan")
        .filter(
            Q(status__in=[DrawStatus.COMMITTED, DrawStatus.PUBLISHED])
            | Q(status=DrawStatus.DISCARDED, drawn_at__isnull=False)
        )
        .order_by("-committed_at", "-pk")
    )


def counties_for_user(user: User) -> QuerySet[Division]:
    """The counties in the user's reach (a city regulator: the city's counties; county staff: their own)."""
    q = scope_q(user, "code")
    if q is None:
        return Division.objects.none()
    reach = user_reach(user) or ""
    counties = Division.objects.filter(q, level=DivisionLevel.COUNTY)
    if reach and len(reach) > 6:  # a township or grid scope: its county
        counties = Division.objects.filter(code=reach[:6], level=DivisionLevel.COUNTY)
    return counties.order_by("code")


def conflicts_for_user(user: User) -> QuerySet[InspectorConflict]:
    return scope_queryset(InspectorConflict.objects.select_related("inspector", "institution"), user)


# --- Penalty cases (cases area) ----------------------------------------------------------------------------------


def cases_for_user(user: User) -> QuerySet[PenaltyCase]:
    """Penalty cases the user may see: county staff their county's; an operator its own institution's."""
    if user.is_authenticated and not user.is_platform_admin and not user.is_scoped_staff:
        link = getattr(user, "operated", None)
        if link is None:
            return PenaltyCase.objects.none()
        return PenaltyCase.objects.filter(institution_id=link.institution_id)
    return scope_queryset(PenaltyCase.objects.all(), user)


def cases_overdue_q(today: datetime.date) -> Q:
    """Cases past a deadline the regulator must act on: the decision (90 days + extension), serving, payment."""
    open_stages = ["filed", "investigation", "notified", "hearing", "suspended"]
    undecided = Q(stage__in=open_stages, decide_by__lt=today)
    unpaid = Q(stage="served", fine_fen__gt=0, served_on__lt=today - datetime.timedelta(days=15))
    return undecided | unpaid


def published_cases(*, institution_id: int | None = None, division: str = "") -> QuerySet[PenaltyCase]:
    """Cases on the exposure board (违规曝光台), newest first; callers show only ``publication_of`` fields."""
    qs = PenaltyCase.objects.filter(published_on__isnull=False).select_related("institution", "person")
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    if division:
        qs = qs.filter(code_prefix_q("division_code", division))
    return qs.prefetch_related("documents").order_by("-published_on", "-pk")


def masked_name(name: str) -> str:
    """A person's name as a publication shows it: the family name and stars (张**)."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def publication_of(case: PenaltyCase) -> dict[str, Any]:
    """What a publication may show: never a minor's data nor an ID number; a person only by masked name."""
    from .calculator import MEASURE_LABELS, VIOLATION_LABELS

    inst = case.institution if case.subject_kind == "institution" else None
    if case.subject_kind == "person":
        name = masked_name(case.person.name if case.person else case.subject_name)
    else:
        name = case.subject_name
    measures = "、".join(str(MEASURE_LABELS.get(m, m)) for m in case.measures)
    if case.fine_fen:
        measures += f"（罚款{case.fine_fen / 100:,.2f}元）"
    return {
        "name": name,
        "uscc": inst.uscc if inst is not None else "",
        "decision_no": case.decision_number,
        "decided_on": case.decided_on,
        "published_on": case.published_on,
        "violation": str(VIOLATION_LABELS.get(case.violation, case.violation)),
        "summary": case.publication_summary,
        "basis": case.basis.splitlines()[0] if case.basis else "",
        "measures": measures,
        "division_code": case.division_code,
    }
