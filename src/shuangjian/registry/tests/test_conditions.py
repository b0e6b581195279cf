"""The white-list and zombie definitions other apps call (is_whitelisted / whitelist_q / zombie_q)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from shuangjian.registry import selectors, services, standing
from shuangjian.registry.models import AnnualInspection, Institution, InstitutionStatus, SupervisionMode
from shuangjian.registry.tests.factories import InstitutionFactory, SiteFactory

pytestmark = pytest.mark.django_db


def inspect(inst: Any, year: int, result: str) -> None:
    AnnualInspection.objects.create(
        institution=inst, year=year, result=result, inspected_on=datetime.date(year, 6, 1), division_code="410202"
    )


def test_whitelist_reasons(edu: Any) -> None:
    today = timezone.localdate()
    ok = InstitutionFactory.create(supervision_mode=SupervisionMode.BANK_CUSTODY)
    inspect(ok, today.year - 1, "passed")
    assert selectors.is_whitelisted(ok)
    made = [
        InstitutionFactory.create(supervision_mode=SupervisionMode.RISK_DEPOSIT, **kw)
        for kw in (
            {"licence_expires_on": today - datetime.timedelta(days=1)},
            {"licence_no": None},
            {"status": InstitutionStatus.SUSPENDED},
            {},  # failed its latest inspection
        )
    ]
    for inst in made:
        inspect(inst, today.year - 1, "passed" if inst is not made[-1] else "failed")
        assert not selectors.is_whitelisted(inst), inst
    recovered = InstitutionFactory.create(supervision_mode=SupervisionMode.BANK_CUSTODY)
    inspect(recovered, today.year - 2, "failed")
    inspect(recovered, today.year - 1, "passed")
    assert selectors.is_whitelisted(recovered)
    black = InstitutionFactory.create(supervision_mode=SupervisionMode.BANK_CUSTODY)
    inspect(black, today.year - 1, "basic")
    entry = services.blacklist_add(actor=edu, institution=black, reason="拒不整改", legal_basis="教育部令第53号")
    assert not selectors.is_whitelisted(black)
    services.blacklist_lift(actor=edu, entry=entry, reason="整改到位")
    assert selectors.is_whitelisted(black)


def test_just_licensed_unsupervised_or_in_violation_is_not_white_listed() -> None:
    # The list's own definition: "…最近一次年检合格、预收费已纳入监管…且无违规记录".
    today = timezone.localdate()
    fresh = InstitutionFactory.create(supervision_mode=SupervisionMode.BANK_CUSTODY)  # never inspected
    unsupervised = InstitutionFactory.create()
    inspect(unsupervised, today.year - 1, "passed")
    violating = InstitutionFactory.create(supervision_mode=SupervisionMode.BANK_CUSTODY)
    inspect(violating, today.year - 1, "passed")
    SiteFactory.create(institution=violating, is_basement=True, floor=-1)
    for inst, reason in (
        (fresh, "最近一次年检未合格或尚未年检"),
        (unsupervised, "预收费尚未纳入监管"),
        (violating, "存在违规记录"),
    ):
        facts = standing.standing_facts_for([inst], today)[inst.pk]
        assert not standing.is_whitelisted(facts) and standing.whitelist_reasons(facts) == [reason]
        assert not Institution.objects.filter(standing.whitelist_conditions_q(today), pk=inst.pk).exists()


def test_zombie_is_two_years_without_any_inspection() -> None:
    # Source (Nanchang seed): "民政部门对二年以上未年检的“僵尸”机构进行清理" — *未年检*, not "未通过年检": an
    # institution inspected and failed was inspected; its failure is a finding for rectification.
    today = timezone.localdate()
    old = datetime.date(today.year - 6, 3, 1)
    only_failed = InstitutionFactory.create(licence_issued_on=old)
    inspect(only_failed, today.year - 1, "failed")
    basic = InstitutionFactory.create(licence_issued_on=old)
    inspect(basic, today.year - 2, "basic")
    three_years_ago = InstitutionFactory.create(licence_issued_on=old)
    inspect(three_years_ago, today.year - 3, "passed")
    never = InstitutionFactory.create(licence_issued_on=old)
    new = InstitutionFactory.create(licence_issued_on=datetime.date(today.year - 1, 3, 1))
    stopped = InstitutionFactory.create(licence_issued_on=old, status=InstitutionStatus.STOPPED)
    assert selectors.is_zombie(three_years_ago) and selectors.is_zombie(never)
    assert not selectors.is_zombie(only_failed) and not selectors.is_zombie(basic)
    assert not selectors.is_zombie(new) and not selectors.is_zombie(stopped)
    assert not selectors.is_whitelisted(three_years_ago) and not selectors.is_whitelisted(only_failed)
