"""The registry's demo step gives the demo city what the issue promises."""

from __future__ import annotations

import io
import random
import re
from typing import Any

import pytest
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from shuangjian.core.demo import DemoContext
from shuangjian.core.demo_core import build_accounts
from shuangjian.core.models import Division, DivisionLevel, GridCell
from shuangjian.registry import conditions, rules, services, standing
from shuangjian.registry.demo import demo_institutions, demo_operators
from shuangjian.registry.models import (
    ApplicationStatus,
    BlacklistEntry,
    Category,
    InspectionResult,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LicenceApplication,
    SupervisionMode,
)
from shuangjian.registry.standing import whitelist_conditions_q

pytestmark = pytest.mark.django_db


def build_registry_demo() -> DemoContext:
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
    # Stands in for the funds step, which opens the planned custody accounts and deposits and, through its
    # services, sets each institution's supervision mode (funds/tests/test_supervision_mode.py checks that).
    for pk, mode in ctx.shared["supervision_plan"].items():
        Institution.objects.filter(pk=pk).update(supervision_mode=mode)
    return ctx


def test_demo_city_registry(db: Any) -> None:
    ctx = build_registry_demo()
    today = timezone.localdate()
    for county, at_least in (("410202", 250), ("410212", 200)):
        qs = Institution.objects.filter(division_code=county)
        assert qs.count() >= at_least
        assert qs.filter(category=Category.SUBJECT).exists() and qs.filter(category=Category.NON_SUBJECT).exists()
        assert qs.filter(conditions.zombie_q(today)).exists()
        assert qs.filter(conditions.blacklisted_q(today)).exists()
        assert qs.filter(conditions.violations_q(today)).exists()
        assert qs.filter(whitelist_conditions_q(today)).count() > qs.count() // 3
    assert Institution.objects.exclude(division_code__in=["410202", "410212"]).exists()
    ops = {o.user.username: o.institution for o in InstitutionOperator.objects.select_related("user", "institution")}
    assert ops["op_subject"].category == Category.SUBJECT and ops["op_subject"].uscc.startswith("52")
    assert ops["op_arts"].field == "arts"
    assert Institution.objects.filter(whitelist_conditions_q(today), pk=ops["op_subject"].pk).exists()
    assert ops["op_applicant"].status == InstitutionStatus.APPLYING
    app = LicenceApplication.objects.get(institution=ops["op_applicant"])
    assert app.status == ApplicationStatus.SUBMITTED and app.materials.count() == 3
    # A second run changes nothing.
    before = Institution.objects.count()
    demo_institutions(ctx)
    demo_operators(ctx)
    assert Institution.objects.count() == before


def test_white_list_defined_once_and_by_its_stated_definition(db: Any) -> None:
    build_registry_demo()
    today = timezone.localdate()
    every = list(Institution.objects.order_by("pk"))
    facts = standing.standing_facts_for(every, today)
    by_query = set(standing.whitelist_queryset(today).values_list("pk", flat=True))
    by_predicate = {pk for pk, f in facts.items() if standing.is_whitelisted(f)}
    assert by_query == by_predicate and by_query
    # The public page's words (…最近一次年检合格、预收费已纳入监管且无违规记录) —
    # checked here from the raw rows and the pure rules, not through the definition under test.
    listed = set(
        BlacklistEntry.objects.filter(Q(end__isnull=True) | Q(end__gte=today), start__lte=today).values_list(
            "institution_id", flat=True
        )
    )
    for inst in Institution.objects.filter(pk__in=by_query).prefetch_related("annual_inspections", "sites"):
        latest = max(inst.annual_inspections.all(), key=lambda i: i.year)
        site_problems = [
            v
            for site in inst.sites.all()
            if site.is_active
            for v in rules.check_site(services.site_facts(site), today=today)
        ]
        institution_problems = rules.check_institution(
            category=inst.category,
            uscc=inst.uscc,
            licence_no=inst.licence_no,
            licence_expires_on=inst.licence_expires_on,
            status=inst.status,
            today=today,
        )
        assert inst.status == InstitutionStatus.ACTIVE and inst.licence_no, inst.name
        assert inst.licence_expires_on is None or inst.licence_expires_on >= today, inst.name
        assert inst.pk not in listed, inst.name
        assert latest.result in (InspectionResult.PASSED, InspectionResult.BASIC), inst.name
        assert inst.supervision_mode != SupervisionMode.NONE, inst.name
        assert not site_problems and not institution_problems, inst.name


@override_settings(SHUANGJIAN_PUBLIC_RATE_LIMIT="100000/m")  # hundreds of pages from one address, on purpose
def test_one_status_summary_worst_first_on_every_page(db: Any, client: Any) -> None:
    build_registry_demo()
    today = timezone.localdate()
    every = list(Institution.objects.order_by("pk"))
    facts = standing.standing_facts_for(every, today)
    for inst in every:
        summary = standing.status_summary(facts[inst.pk])
        assert [f.rank for f in summary] == sorted(f.rank for f in summary)
        positive = [f for f in summary if f.positive]
        # Green only when nothing worse holds, and exactly for the white-listed.
        assert not positive or len(positive) == len(summary), (inst.name, summary)
        assert bool(positive) == standing.is_whitelisted(facts[inst.pk])
        if facts[inst.pk].blacklisted:
            assert summary[0].code == "blacklisted"
    # The public card of every institution of the primary county: the first badge is its worst fact, and no green
    # badge stands beside a worse one.
    badge = re.compile(r'data-code="([a-z_]+)" data-tone="([a-z]+)"')
    for inst in [i for i in every if i.division_code == "410202"]:
        page = client.get(reverse("portal:institution", args=[inst.uscc])).content.decode()
        shown = badge.findall(page)
        expected = [(f.code, f.tone) for f in standing.status_summary(facts[inst.pk])]
        assert shown == expected, inst.name
        tones = {tone for _code, tone in shown}
        assert "success" not in tones or tones == {"success"}, inst.name
    # Search results carry the same summaries.
    found = client.get(reverse("portal:search"), {"q": "开封"}).content.decode()
    for code, tone in badge.findall(found):
        assert tone != "success" or code in ("whitelisted", "normal")


def test_demo_blacklist_reasons_fit_the_institution(db: Any) -> None:
    build_registry_demo()
    entries = list(BlacklistEntry.objects.select_related("institution"))
    assert entries
    for entry in entries:
        inst = entry.institution
        # Black-listed institutions are licensed ones: "无证办学" is an unlicensed operation's finding.
        assert inst.licence_no and "无证" not in entry.reason, (inst.name, entry.reason)
        if inst.category == Category.SUBJECT:
            assert "非学科类名义" not in entry.reason
