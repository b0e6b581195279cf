"""Every read of enforcement records a person sees, already restricted to the caller's reach."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.scope import scope_q, scope_queryset, user_reach

from .models import Draw, DrawStatus, Inspection, InspectionPlan, InspectorConflict, UnlicensedOperation


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
