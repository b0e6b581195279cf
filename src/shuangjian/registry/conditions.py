"""The registry's rules as query expressions (white list, zombies, premises violations), for selectors and filters.

Each mirrors a pure function in ``rules.py`` so a list filter and an institution page agree.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from . import rules
from .models import AnnualInspection, BlacklistEntry, InspectionResult, InstitutionStatus, Site

# A "passed" annual inspection for the zombie rule: 合格 or 基本合格 (both are passes; 不合格 is not).
PASSING_RESULTS = (InspectionResult.PASSED, InspectionResult.BASIC)


def blacklisted_q(today: datetime.date) -> Q:
    """Institutions with a black-list entry in force on ``today``."""
    in_force = BlacklistEntry.objects.filter(
        Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today)), institution=OuterRef("pk")
    )
    return Q(Exists(in_force))


def zombie_q(today: datetime.date) -> Q:
    """Active, licensed before the two-year window (or no issue date on record), no passed inspection in it."""
    since = rules.zombie_since_year(today)
    passed = AnnualInspection.objects.filter(institution=OuterRef("pk"), year__gte=since, result__in=PASSING_RESULTS)
    old_enough = Q(licence_issued_on__isnull=True) | Q(licence_issued_on__lt=datetime.date(since, 1, 1))
    return Q(status=InstitutionStatus.ACTIVE) & old_enough & ~Q(Exists(passed))


def latest_inspection_failed_q() -> Q:
    later = AnnualInspection.objects.filter(institution=OuterRef("institution"), year__gt=OuterRef("year"))
    failed_latest = AnnualInspection.objects.filter(institution=OuterRef("pk"), result=InspectionResult.FAILED).exclude(
        Exists(later)
    )
    return Q(Exists(failed_latest))


def whitelist_q(today: datetime.date) -> Q:
    """On the white list: active, licensed with the licence not expired, not blacklisted, in good standing
    (not a zombie, latest annual inspection not failed)."""
    return (
        Q(status=InstitutionStatus.ACTIVE, licence_no__isnull=False)
        & ~Q(licence_no="")
        & (Q(licence_expires_on__isnull=True) | Q(licence_expires_on__gte=today))
        & ~blacklisted_q(today)
        & ~zombie_q(today)
        & ~latest_inspection_failed_q()
    )


def site_violation_q(today: datetime.date) -> Q:
    """Sites (active) breaking a premises rule of ``rules.check_site`` (density is checked per class, not here)."""
    cfg = rules.premises_settings()
    lease_needed = today + datetime.timedelta(days=int(cfg["min_lease_days"]))
    return Q(is_active=True) & (
        Q(usable_area_m2__lt=Decimal(str(cfg["min_area_m2"])))
        | Q(in_residential_building=True)
        | Q(is_basement=True)
        | Q(floor__lt=0)
        | Q(serves_children_12_or_under=True, floor__gt=int(cfg["max_floor_children_12"]))
        | Q(lease_end__isnull=True)
        | Q(lease_end__lt=lease_needed)
    )


def violations_q(today: datetime.date) -> Q:
    """Institutions breaking any rule of ``rules.check_institution`` or with a site breaking a premises rule."""
    bad_site = Site.objects.filter(site_violation_q(today), institution=OuterRef("pk"))
    subject_for_profit = Q(category="subject") & ~Q(uscc__startswith=rules.NON_PROFIT_USCC_PREFIX)
    active_unlicensed = Q(status=InstitutionStatus.UNLICENSED) | Q(status=InstitutionStatus.ACTIVE) & (
        Q(licence_no__isnull=True) | Q(licence_no="") | Q(licence_expires_on__lt=today)
    )
    # A closed institution's premises and legal form no longer matter; its record stays for history.
    closed = Q(status__in=[InstitutionStatus.STOPPED, InstitutionStatus.REVOKED, InstitutionStatus.DEREGISTERED])
    return (subject_for_profit | active_unlicensed | Q(Exists(bad_site))) & ~closed
