"""Every read of competition filings a person sees, already restricted to the caller's reach; and the public
list's lookup (published filings only, no sign-in)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from shuangjian.core.access import operator_institution, validate_printable
from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.permissions import require
from shuangjian.core.scope import code_prefix_q, get_in_scope_or_404, scope_queryset, user_reach
from shuangjian.registry.models import Institution

from .models import Competition, CompetitionFinding, CompetitionStatus, CompetitionStep
from .rules import normalise_filing_no

S = CompetitionStatus
# On the public list: filed and published for its cycle.
LISTED = (S.PUBLISHED,)
# A number that was issued once but no longer stands: a parent holding such a flyer should hear why.
NO_LONGER_LISTED = (S.WITHDRAWN, S.EXPIRED)
PUBLIC_MIN_CHARS = 2
PUBLIC_MAX_RESULTS = 10


@dataclass(frozen=True)
class CompetitionFilters:
    q: str = ""
    status: str = ""
    cycle: int | None = None
    division: str = ""


def _visible(user: User) -> QuerySet[Competition]:
    require(user, "competitions.view_competitions")
    qs = Competition.objects.select_related("organiser_institution")
    institution = operator_institution(user)
    if institution is not None:
        return qs.filter(organiser_institution=institution)
    return scope_queryset(qs, user)


def competitions_for_user(user: User, filters: CompetitionFilters | None = None) -> QuerySet[Competition]:
    """Filings the user may see (an operator: its institution's; staff: their jurisdiction's), filtered."""
    qs = _visible(user)
    f = filters or CompetitionFilters()
    if f.q:
        key = normalise_filing_no(f.q)
        qs = qs.filter(Q(name__icontains=f.q) | Q(organiser_name__icontains=f.q) | Q(filing_key=key))
    if f.status in S.values:
        qs = qs.filter(status=f.status)
    if f.cycle:
        qs = qs.filter(cycle=f.cycle)
    if f.division:
        qs = qs.filter(code_prefix_q("division_code", f.division))
    return qs.order_by("-cycle", "-created_at", "-pk")


def competition_for_user(user: User, pk: int) -> Competition:
    """One filing the user may see; out of reach (another county, another institution) is a 404."""
    try:
        return _visible(user).get(pk=pk)
    except (Competition.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def competition_steps(competition: Competition) -> list[CompetitionStep]:
    return list(competition.steps.select_related("actor").order_by("at", "pk"))


def cycles_for_user(user: User) -> list[int]:
    return sorted(set(_visible(user).values_list("cycle", flat=True)), reverse=True)


def counties_for_user(user: User) -> list[tuple[str, str]]:
    """The counties in the user's reach, (code, name), for the "which county files it" choice."""
    reach = user_reach(user)
    if reach is None:
        return []
    qs = Division.objects.filter(level=DivisionLevel.COUNTY, code__startswith=reach).order_by("code")
    return list(qs.values_list("code", "name"))


def institutions_for_applicant(user: User) -> QuerySet[Institution]:
    """Institutions a bureau may record a filing for: registered ones in its jurisdiction."""
    return scope_queryset(Institution.objects.all(), user).order_by("name_key", "pk")


def institution_in_reach(user: User, pk: int) -> Institution:
    return get_in_scope_or_404(Institution.objects.all(), user, pk=pk)


def findings_for_user(user: User, q: str = "") -> QuerySet[CompetitionFinding]:
    require(user, "competitions.view_findings")
    qs = scope_queryset(CompetitionFinding.objects.select_related("organiser_institution", "recorded_by"), user)
    if q:
        qs = qs.filter(Q(organiser_name__icontains=q) | Q(competition_name__icontains=q))
    return qs.order_by("-recorded_at", "-pk")


# --- public list -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCompetition:
    name: str
    filing_no: str
    organiser: str
    subject_area: str
    levels: list[str]
    starts_on: str
    ends_on: str
    places: str
    listed: bool
    status: str
    status_label: str


@dataclass(frozen=True)
class PublicLookup:
    query: str
    on_list: bool
    results: list[PublicCompetition]


def normalise_public_query(text: str) -> str:
    return " ".join(text.split())[:64]


def _public(c: Competition) -> PublicCompetition:
    return PublicCompetition(
        name=c.name,
        filing_no=c.filing_no or "",
        organiser=c.organiser_name,
        subject_area=str(c.get_subject_area_display()),
        levels=list(c.levels),
        starts_on=c.starts_on.isoformat(),
        ends_on=c.ends_on.isoformat(),
        places=c.places,
        listed=c.status in LISTED,
        status=c.status,
        status_label=str(c.get_status_display()),
    )


def public_lookup(text: str) -> PublicLookup:
    """Is this competition on the published list? By filing number (exact, as typed off a flyer) or by a fragment
    of its name. A number that was issued but withdrawn or expired is answered too, as not on the list."""
    query = normalise_public_query(text)
    try:
        validate_printable(query)
    except Exception:  # a control character: nothing can match it
        return PublicLookup(query=query, on_list=False, results=[])
    key = normalise_filing_no(query)
    by_number = list(
        Competition.objects.filter(filing_key=key, status__in=LISTED + NO_LONGER_LISTED).order_by("-cycle")[:1]
    )
    if by_number:
        found = by_number
    else:
        found = list(
            Competition.objects.filter(status__in=LISTED, name__icontains=query).order_by("-cycle", "name", "pk")[
                :PUBLIC_MAX_RESULTS
            ]
        )
    results = [_public(c) for c in found]
    return PublicLookup(query=query, on_list=any(r.listed for r in results), results=results)
