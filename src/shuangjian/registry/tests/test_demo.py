"""The registry's demo step gives the demo city what the issue promises."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from django.utils import timezone

from shuangjian.core.demo import DemoContext
from shuangjian.core.demo_core import build_accounts
from shuangjian.core.models import Division, DivisionLevel, GridCell
from shuangjian.registry import conditions
from shuangjian.registry.demo import demo_institutions, demo_operators
from shuangjian.registry.models import (
    ApplicationStatus,
    Category,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LicenceApplication,
)

pytestmark = pytest.mark.django_db


def test_demo_city_registry(db: Any) -> None:
    ctx = DemoContext(seed=2026, rng=random.Random(2026), out=io.StringIO())
    # A small real-shaped tree instead of loading three provinces (the step only reads Kaifeng's counties).
    Division.objects.create(code="41", name="河南省", level=DivisionLevel.PROVINCE)
    Division.objects.create(code="4102", name="开封市", level=DivisionLevel.CITY, parent_id="41")
    for code, name in (("410202", "龙亭区"), ("410212", "祥符区"), ("410203", "顺河回族区")):
        Division.objects.create(code=code, name=name, level=DivisionLevel.COUNTY, parent_id="4102")
    town = Division.objects.create(
        code="410202001", name="北书店街道", level=DivisionLevel.TOWNSHIP, parent_id="410202"
    )
    GridCell.objects.create(code="410202001001", name="第1网格", township=town)
    build_accounts(ctx)
    demo_institutions(ctx)
    demo_operators(ctx)
    today = timezone.localdate()
    for county, at_least in (("410202", 250), ("410212", 200)):
        qs = Institution.objects.filter(division_code=county)
        assert qs.count() >= at_least
        assert qs.filter(category=Category.SUBJECT).exists() and qs.filter(category=Category.NON_SUBJECT).exists()
        assert qs.filter(conditions.zombie_q(today)).exists()
        assert qs.filter(conditions.blacklisted_q(today)).exists()
        assert qs.filter(conditions.violations_q(today)).exists()
        assert qs.filter(conditions.whitelist_q(today)).count() > qs.count() // 3
    assert Institution.objects.exclude(division_code__in=["410202", "410212"]).exists()
    ops = {o.user.username: o.institution for o in InstitutionOperator.objects.select_related("user", "institution")}
    assert ops["op_subject"].category == Category.SUBJECT and ops["op_subject"].uscc.startswith("52")
    assert ops["op_arts"].field == "arts"
    assert Institution.objects.filter(conditions.whitelist_q(today), pk=ops["op_subject"].pk).exists()
    assert ops["op_applicant"].status == InstitutionStatus.APPLYING
    app = LicenceApplication.objects.get(institution=ops["op_applicant"])
    assert app.status == ApplicationStatus.SUBMITTED and app.materials.count() == 3
    # A second run changes nothing.
    before = Institution.objects.count()
    demo_institutions(ctx)
    demo_operators(ctx)
    assert Institution.objects.count() == before
