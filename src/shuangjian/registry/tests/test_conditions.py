"""The white-list and zombie definitions other apps call (is_whitelisted / whitelist_q / zombie_q)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from shuangjian.registry import selectors, services
from shuangjian.registry.models import AnnualInspection, InstitutionStatus
from shuangjian.registry.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def inspect(inst: Any, year: int, result: str) -> None:
    AnnualInspection.objects.create(
        institution=inst, year=year, result=result, inspected_on=datetime.date(year, 6, 1), division_code="410202"
    )


def test_whitelist_reasons(edu: Any) -> None:
    today = timezone.localdate()
    ok = InstitutionFactory.create()
    assert selectors.is_whitelisted(ok)
    expired = InstitutionFactory.create(licence_expires_on=today - datetime.timedelta(days=1))
    unlicensed = InstitutionFactory.create(licence_no=None)
    suspended = InstitutionFactory.create(status=InstitutionStatus.SUSPENDED)
    failed = InstitutionFactory.create()
    inspect(failed, today.year - 1, "failed")
    recovered = InstitutionFactory.create()
    inspect(recovered, today.year - 2, "failed")
    inspect(recovered, today.year - 1, "passed")
    for inst in (expired, unlicensed, suspended, failed):
        assert not selectors.is_whitelisted(inst), inst
    assert selectors.is_whitelisted(recovered)
    black = InstitutionFactory.create()
    entry = services.blacklist_add(actor=edu, institution=black, reason="拒不整改", legal_basis="教育部令第53号")
    assert not selectors.is_whitelisted(black)
    services.blacklist_lift(actor=edu, entry=entry, reason="整改到位")
    assert selectors.is_whitelisted(black)


def test_zombie_needs_a_passed_inspection_in_two_years() -> None:
    today = timezone.localdate()
    old = datetime.date(today.year - 6, 3, 1)
    only_failed = InstitutionFactory.create(licence_issued_on=old)
    inspect(only_failed, today.year - 1, "failed")
    basic = InstitutionFactory.create(licence_issued_on=old)
    inspect(basic, today.year - 2, "basic")
    three_years_ago = InstitutionFactory.create(licence_issued_on=old)
    inspect(three_years_ago, today.year - 3, "passed")
    new = InstitutionFactory.create(licence_issued_on=datetime.date(today.year - 1, 3, 1))
    stopped = InstitutionFactory.create(licence_issued_on=old, status=InstitutionStatus.STOPPED)
    assert selectors.is_zombie(only_failed) and selectors.is_zombie(three_years_ago)
    assert not selectors.is_zombie(basic) and not selectors.is_zombie(new) and not selectors.is_zombie(stopped)
    assert not selectors.is_whitelisted(three_years_ago)
