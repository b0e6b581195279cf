"""Every read of the registry a person sees, already restricted to the caller's reach."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shuangjian.core.access import operator_institution
from shuangjian.core.models import User
from shuangjian.core.pagination import CappedCountPaginator, IdsFirstQuerySet, count_up_to
from shuangjian.core.permissions import can, require
from shuangjian.core.rules import Violation
from shuangjian.core.scope import get_in_scope_or_404, scope_queryset
from shuangjian.core.validators import mask_resident_id

from . import conditions, rules, standing
from .filters import InstitutionFilters, filter_institutions
from .models import (
    AnnualInspection,
    ApplicationStatus,
    ApplicationStep,
    BlacklistEntry,
    Institution,
    LicenceApplication,
    Site,
    Subject,
)

OPEN_APPLICATION = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.MATERIAL_REVIEW,
    ApplicationStatus.SITE_CHECK,
)


def today() -> datetime.date:
    return timezone.localdate()


# --- white list / zombies (definitions other modules call) -------------------------------------------------------


def whitelist_q(day: datetime.date | None = None) -> Q:
    """On the white list (``standing.WHITELIST_CONDITIONS``)."""
    return standing.whitelist_conditions_q(day or today())


def is_whitelisted(inst: Institution, day: datetime.date | None = None) -> bool:
    day = day or today()
    return standing.is_whitelisted(standing.standing_facts_for([inst], day)[inst.pk])


def is_zombie(inst: Institution, day: datetime.date | None = None) -> bool:
    return Institution.objects.filter(conditions.zombie_q(day or today()), pk=inst.pk).exists()


class ListPageQuerySet(IdsFirstQuerySet[Institution]):
    """A staff list of institutions read page-ids-first (``core.pagination.IdsFirstQuerySet``): asked for whole rows
    with ``LIMIT``, PostgreSQL misjudged how many rows a county's range holds (48 for 3 401 at 200 000 institutions)
    and read and sorted the whole county — every zombie of it too — for 30 rows (9 ms, growing with the county); the
    ids alone come off the (division_code, name_key, id) index in order (0.6 ms)."""


# --- staff lists ---------------------------------------------------------------------------------------------------


def institution_list_for_user(*, user: User, filters: InstitutionFilters | None = None) -> QuerySet[Institution]:
    """Institutions in the user's jurisdiction matching the filters, ordered for a stable page."""
    require(user, "registry.view_institutions")
    qs = scope_queryset(ListPageQuerySet(Institution), user)
    if filters is not None:
        qs = filter_institutions(qs, filters)
    return qs.order_by("division_code", "name_key", "pk")


def institution_for_user(*, user: User, pk: int) -> Institution:
    """One institution: staff in scope, or the operator of that institution; anything else is 404."""
    if can(user, "registry.apply_for_licence"):
        inst = my_institution(user=user)
        if inst is None or inst.pk != pk:
            raise Http404
        return inst
    require(user, "registry.view_institutions")
    return get_in_scope_or_404(Institution.objects.all(), user, pk=pk)


@dataclass
class InstitutionRecord:
    """Everything on record about an institution, for its page."""

    institution: Institution
    sites: list[tuple[Site, int, list[Violation]]]
    violations: list[Violation]
    inspections: list[AnnualInspection]
    blacklist: list[BlacklistEntry]
    applications: list[LicenceApplication]
    history: list[object]
    whitelisted: bool
    zombie: bool
    blacklisted: bool = False
    operators: list[User] = field(default_factory=list)
    masked_id: str = ""
    subjects: str = ""
    site_history: list[object] = field(default_factory=list)
    summary: list[standing.StatusFact] = field(default_factory=list)
    whitelist_reasons: list[str] = field(default_factory=list)


def institution_record(*, user: User, pk: int) -> InstitutionRecord:
    inst = institution_for_user(user=user, pk=pk)
    day = today()
    sites = []
    for site in inst.sites.all():
        facts = rules.SiteFacts(
            usable_area_m2=site.usable_area_m2,
            floor=site.floor,
            is_basement=site.is_basement,
            in_residential_building=site.in_residential_building,
            lease_end=site.lease_end,
            serves_children_12_or_under=site.serves_children_12_or_under,
            lease_start=site.lease_start,
        )
        sites.append((site, rules.site_capacity(site.usable_area_m2), rules.check_site(facts, today=day)))
    violations = rules.check_institution(
        category=inst.category,
        uscc=inst.uscc,
        licence_no=inst.licence_no,
        licence_expires_on=inst.licence_expires_on,
        status=inst.status,
        today=day,
    )
    blacklist = list(inst.blacklist_entries.select_related("publisher").order_by("-start"))
    in_force = [e for e in blacklist if e.start <= day and (e.end is None or e.end >= day)]
    history = list(inst.history.select_related("history_user").order_by("-history_date", "-history_id")[:50])
    standing_facts = standing.standing_facts_for([inst], day)[inst.pk]
    return InstitutionRecord(
        institution=inst,
        sites=sites,
        violations=violations,
        inspections=list(inst.annual_inspections.order_by("-year")),
        blacklist=blacklist,
        applications=list(inst.applications.order_by("-submitted_at")),
        history=history,
        whitelisted=standing.is_whitelisted(standing_facts),
        zombie=standing_facts.zombie,
        blacklisted=bool(in_force),
        summary=standing.status_summary(standing_facts),
        whitelist_reasons=standing.whitelist_reasons(standing_facts),
        operators=[o.user for o in inst.operators.select_related("user")],
        masked_id=mask_resident_id(inst.legal_rep_id),
        site_history=list(
            Site.history.filter(institution_id=inst.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:30]
        ),
        subjects="、".join(str(Subject(s).label) for s in inst.licensed_subjects or [] if s in Subject.values),
    )


def zombies_for_user(*, user: User) -> QuerySet[Institution]:
    """Zombie institutions in the user's jurisdiction, with the year of their last passed inspection."""
    require(user, "registry.view_institutions")
    qs = scope_queryset(ListPageQuerySet(Institution).filter(conditions.zombie_q(today())), user)
    return qs.order_by("division_code", "name_key", "pk")


def last_passed_years(institutions: list[Institution]) -> dict[int, int]:
    """The year of each institution's last annual inspection (any result: see ``rules.is_zombie``)."""
    rows = (
        AnnualInspection.objects.filter(institution__in=institutions)
        .values_list("institution_id", "year")
        .order_by("institution_id", "year")
    )
    return {inst_id: year for inst_id, year in rows}


def application_queue_for_user(
    *, user: User, status: str = "", overdue_only: bool = False
) -> QuerySet[LicenceApplication]:
    """Applications of the user's county and department (a platform admin sees all), open ones first."""
    require(user, "registry.review_applications")
    qs = scope_queryset(LicenceApplication.objects.select_related("institution", "applicant"), user)
    if not user.is_platform_admin:
        qs = qs.filter(department=user.department)
    if status == "open":
        qs = qs.filter(status__in=OPEN_APPLICATION)
    elif status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    if overdue_only:
        qs = qs.filter(status__in=OPEN_APPLICATION, step_due_on__lt=today())
    return qs.order_by("step_due_on", "-submitted_at", "pk")


def application_for_user(*, user: User, pk: int) -> LicenceApplication:
    """One application: the regulators of its county (any department may read it; only its own acts), or its
    applicant/operator."""
    base = LicenceApplication.objects.select_related("institution", "applicant").prefetch_related(
        Prefetch("steps", queryset=_steps()), "materials"
    )
    if can(user, "registry.apply_for_licence"):
        inst = my_institution(user=user)
        if inst is None:
            raise Http404
        app = base.filter(pk=pk, institution=inst).first()
        if app is None:
            raise Http404
        return app
    require(user, "registry.review_applications")
    return get_in_scope_or_404(base, user, pk=pk)


def _steps() -> QuerySet[ApplicationStep]:

    return ApplicationStep.objects.select_related("actor").order_by("created_at", "id")


def is_overdue(app: LicenceApplication, day: datetime.date | None = None) -> bool:
    return app.status in OPEN_APPLICATION and app.step_due_on is not None and app.step_due_on < (day or today())


# --- operator side -------------------------------------------------------------------------------------------------


def my_institution(*, user: User) -> Institution | None:
    institution: Institution | None = operator_institution(user)
    return institution


def my_applications(*, user: User) -> QuerySet[LicenceApplication]:
    inst = my_institution(user=user)
    if inst is None:
        return LicenceApplication.objects.none()
    return LicenceApplication.objects.filter(institution=inst).order_by("-submitted_at")


def my_site(*, user: User, pk: int) -> Site:
    inst = my_institution(user=user)
    site = Site.objects.filter(pk=pk, institution=inst).first() if inst else None
    if site is None:
        raise Http404
    return site


# --- dashboard figures -----------------------------------------------------------------------------------------------


# The dashboard's register figures count this far and then say "N+" (core.pagination.count_up_to): exact counts of
# a city's institutions and zombies were most of its dashboard at 200 000 institutions (65 + 290 ms) and grew with it.
CARD_COUNT_CAP = {"institutions": 9999, "zombies": 999}


def _card_count(qs: QuerySet[Institution], cap: int) -> int | str:
    n, more = count_up_to(qs, cap)
    return f"{n}+" if more else n


def regulator_figures(*, user: User) -> dict[str, int | str]:
    day = today()
    insts = scope_queryset(Institution.objects.all(), user)
    apps = application_queue_for_user(user=user).filter(status__in=OPEN_APPLICATION)
    agg = apps.aggregate(pending=Count("pk"), overdue=Count("pk", filter=Q(step_due_on__lt=day)))
    return {
        "institutions": _card_count(insts, CARD_COUNT_CAP["institutions"]),
        "pending": agg["pending"] or 0,
        "overdue": agg["overdue"] or 0,
        "zombies": _card_count(insts.filter(conditions.zombie_q(day)), CARD_COUNT_CAP["zombies"]),
    }


def institution_page_with_flags(
    qs: QuerySet[Institution], page_number: str | int | None, *, per_page: int = 30
) -> Page[Institution]:
    """One page of ``qs`` with each row's standing (``summary``, ``on_whitelist``) computed for that page only.

    Computing the standing over the whole queryset makes PostgreSQL evaluate the white-list and zombie subqueries
    for every matching institution before it can pick the page (0.6 s at 200k); paging first keeps the cost per
    page. The total is counted only up to ``CappedCountPaginator``'s cap (an exact ``COUNT(*)`` over a city's
    institutions was the last part of the page growing with the data; it is a background job's work now,
    ``registry.exports.INSTITUTION_COUNT``).
    """
    page = CappedCountPaginator(qs, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    day = today()
    facts = standing.standing_facts_for(page.object_list, day)
    for inst in page.object_list:
        f = facts[inst.pk]
        inst.summary = standing.status_summary(f)
        inst.on_whitelist = standing.is_whitelisted(f)
        inst.on_blacklist = f.blacklisted
    return page


def zombie_counts(day: datetime.date | None = None) -> dict[str, int]:
    """Zombie institutions per county code, everywhere (for the periodic scan; not shown to a person)."""
    rows = (
        Institution.objects.filter(conditions.zombie_q(day or today()))
        .values("division_code")
        .annotate(n=Count("pk"))
        .order_by("division_code")
    )
    return {r["division_code"]: r["n"] for r in rows}
