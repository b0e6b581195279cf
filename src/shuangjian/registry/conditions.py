"""The registry's rules as query expressions (black list, zombies, inspections, premises violations), for
selectors, filters and the white list (``standing.py`` builds it from these).

Each mirrors a pure function in ``rules.py`` so a list filter and an institution page agree.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from . import rules
from .models import AnnualInspection, BlacklistEntry, InspectionResult, Institution, InstitutionStatus, Site

# A "passed" annual inspection: 合格 or 基本合格 (both are passes; 不合格 is not).
PASSING_RESULTS = (InspectionResult.PASSED, InspectionResult.BASIC)


def blacklisted_q(today: datetime.date) -> Q:
    """Institutions with a black-list entry in force on ``today``."""
    in_force = BlacklistEntry.objects.filter(
        Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today)), institution=OuterRef("pk")
    )
    return Q(Exists(in_force))


def inspected_since_q(today: datetime.date) -> Q:
    """An annual inspection (any result) in the zombie window: a failed inspection is still an inspection."""
    since = rules.zombie_since_year(today)
    return Q(Exists(AnnualInspection.objects.filter(institution=OuterRef("pk"), year__gte=since)))


def zombie_q(today: datetime.date) -> Q:
    """Active, licensed before the two-year window (or no issue date on record), no annual inspection in it."""
    since = rules.zombie_since_year(today)
    old_enough = Q(licence_issued_on__isnull=True) | Q(licence_issued_on__lt=datetime.date(since, 1, 1))
    return Q(status=InstitutionStatus.ACTIVE) & old_enough & ~inspected_since_q(today)


def _latest_inspection() -> QuerySet[AnnualInspection]:
    later = AnnualInspection.objects.filter(institution=OuterRef("institution"), year__gt=OuterRef("year"))
    return AnnualInspection.objects.filter(institution=OuterRef("pk")).exclude(Exists(later))


def latest_inspection_failed_q() -> Q:
    return Q(Exists(_latest_inspection().filter(result=InspectionResult.FAILED)))


def latest_inspection_passed_q() -> Q:
    """The latest annual inspection exists and passed (合格 or 基本合格)."""
    return Q(Exists(_latest_inspection().filter(result__in=PASSING_RESULTS)))


def latest_result_subquery() -> Subquery:
    """The result of the institution's latest annual inspection (NULL: never inspected)."""
    latest = AnnualInspection.objects.filter(institution=OuterRef("pk")).order_by("-year").values("result")[:1]
    return Subquery(latest)


def with_standing(qs: QuerySet[Institution], today: datetime.date) -> QuerySet[Institution]:
    """Annotate the facts ``standing.facts_of`` reads: black list, inspections, violations (one query)."""
    return qs.annotate(
        st_blacklisted=ExpressionWrapper(blacklisted_q(today), output_field=BooleanField()),
        st_inspected_since=ExpressionWrapper(inspected_since_q(today), output_field=BooleanField()),
        st_latest_result=latest_result_subquery(),
        st_has_violations=ExpressionWrapper(violations_q(today), output_field=BooleanField()),
    )


def site_violation_q(today: datetime.date) -> Q:
    """Sites (active) breaking a premises rule of ``rules.check_site`` (density is checked per class, not here)."""
    cfg = rules.premises_settings()
    return Q(is_active=True) & (
        Q(usable_area_m2__lt=Decimal(str(cfg["min_area_m2"])))
        | Q(in_residential_building=True)
        | Q(is_basement=True)
        | Q(floor__lt=0)
        | Q(serves_children_12_or_under=True, floor__gt=int(cfg["max_floor_children_12"]))
        | Q(lease_end__isnull=True)
        | Q(lease_end__lt=today)
        | Q(lease_start__isnull=False, lease_term__lt=rules.lease_term_units(int(cfg["min_lease_years"])))
    )


def with_lease_term(qs: QuerySet[Site]) -> QuerySet[Site]:
    """Annotate ``lease_term`` as ``rules.lease_term`` computes it (years·10000 + month-day difference)."""
    return qs.annotate(
        lease_term=(ExtractYear("lease_end") - ExtractYear("lease_start")) * 10000
        + (ExtractMonth("lease_end") * 100 + ExtractDay("lease_end"))
        - (ExtractMonth("lease_start") * 100 + ExtractDay("lease_start"))
    )


def violations_q(today: datetime.date) -> Q:
    """Institutions breaking any rule of ``rules.check_institution`` or with a site breaking a premises rule."""
    bad_site = with_lease_term(Site.objects.all()).filter(site_violation_q(today), institution=OuterRef("pk"))
    subject_for_profit = Q(category="subject") & ~Q(uscc__startswith=rules.NON_PROFIT_USCC_PREFIX)
    active_unlicensed = Q(status=InstitutionStatus.UNLICENSED) | Q(status=InstitutionStatus.ACTIVE) & (
        Q(licence_no__isnull=True) | Q(licence_no="") | Q(licence_expires_on__lt=today)
    )
    # A closed institution's premises and legal form no longer matter; its record stays for history.
    closed = Q(status__in=[InstitutionStatus.STOPPED, InstitutionStatus.REVOKED, InstitutionStatus.DEREGISTERED])
    return (subject_for_profit | active_unlicensed | Q(Exists(bad_site))) & ~closed


def active_q() -> Q:
    """Institutions the registry counts as active (正常办学): those every yearly inspection target counts."""
    return Q(status=InstitutionStatus.ACTIVE)
