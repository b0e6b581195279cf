"""Plans and draws end to end: commitment before the draw, inspections planned, publication, replay, redraw,
conflicts, coverage, statistics and who may see what."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shuangjian.core.models import Department, Role, User
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory, UserFactory
from shuangjian.enforcement import coverage, plans
from shuangjian.enforcement import draw as algo
from shuangjian.enforcement.models import (
    Draw,
    DrawStatus,
    Inspection,
    InspectionKind,
    InspectionSource,
    InspectionStatus,
    InspectorCertificate,
)
from shuangjian.enforcement.selectors import inspections_for_user
from shuangjian.registry.models import Institution, InstitutionStatus
from shuangjian.registry.tests.factories import InstitutionFactory

YEAR = timezone.localdate().year


@pytest.fixture
def county(db: Any) -> dict[str, Any]:
    DivisionFactory.create(code="410202", name="龙亭区")
    DivisionFactory.create(code="410212", name="祥符区")
    regulator = RegulatorFactory.create(username="p_edu", scope_code="410202")
    inspectors = [
        UserFactory.create(
            username=f"p_insp{n}",
            display_name=f"执法员{n}",
            role=Role.INSPECTOR,
            department=Department.EDUCATION,
            scope_code="410202",
            phone=f"1390000000{n}",
        )
        for n in range(4)
    ]
    for n, u in enumerate(inspectors):
        InspectorCertificate.objects.create(user=u, number=f"豫教执{n:04d}")
    institutions = [InstitutionFactory.create() for _ in range(12)]
    InstitutionFactory.create(status=InstitutionStatus.REVOKED)  # not active: never in the lists
    plan = plans.plan_create(
        actor=regulator,
        data=plans.PlanData(name="双随机抽查", year=YEAR, division_code="410202", rounds=2, sample_size=5),
    )
    return {"regulator": regulator, "inspectors": inspectors, "institutions": institutions, "plan": plan}


def _drawn(c: dict[str, Any], round_no: int = 1) -> Draw:
    d = plans.draw_commit(actor=c["regulator"], plan=c["plan"], round_no=round_no)
    return plans.draw_perform(actor=c["regulator"], draw=d)


def test_seed_hash_is_published_before_the_draw_and_the_seed_after(county: dict[str, Any]) -> None:
    d = plans.draw_commit(actor=county["regulator"], plan=county["plan"], round_no=1)
    assert d.seed_sha256 == algo.seed_hash(d.seed) and d.result == []
    assert len(d.lists["institutions"]) == 12  # the revoked one is not active
    anonymous = Client()
    page = anonymous.get(f"/enforcement/public/draws/{d.pk}/").content.decode()
    assert d.seed_sha256 in page and d.seed not in page
    doc = anonymous.get(f"/enforcement/public/draws/{d.pk}/draw.json").json()
    assert doc["seed_sha256"] == d.seed_sha256 and "seed" not in doc and "result" not in doc
    plans.draw_perform(actor=county["regulator"], draw=d)
    # Drawn but unpublished: the result is internal, the public page answers 404.
    assert anonymous.get(f"/enforcement/public/draws/{d.pk}/").status_code == 404
    plans.draw_publish(actor=county["regulator"], draw=d)
    page = anonymous.get(f"/enforcement/public/draws/{d.pk}/").content.decode()
    assert d.seed in page and "复核一致" in page


def test_the_draw_plans_random_inspections_for_the_drawn_inspectors(county: dict[str, Any]) -> None:
    d = _drawn(county)
    items = list(d.items.select_related("inspection"))
    assert len(items) == 5
    start, end = plans.round_window(county["plan"], 1)
    for item, row in zip(items, d.result, strict=True):
        insp = item.inspection
        assert insp is not None and insp.planned_on is not None
        assert insp.kind == InspectionKind.RANDOM and insp.source == InspectionSource.PLAN
        assert insp.status == InspectionStatus.PLANNED and start <= insp.planned_on <= end
        assert insp.institution_id == row["institution"] == item.institution_id
        assert sorted(insp.inspectors.values_list("pk", flat=True)) == sorted(row["inspectors"])
        assert insp.lead_inspector_id == row["inspectors"][0]
    # Each drawn inspector finds the task among the inspections they can see.
    someone = User.objects.get(pk=d.result[0]["inspectors"][0])
    assert inspections_for_user(someone).filter(inspectors=someone, draw_item__draw=d).exists()


def test_replay_gives_the_same_institutions_and_inspectors(county: dict[str, Any], tmp_path: Any) -> None:
    d = plans.draw_publish(actor=county["regulator"], draw=_drawn(county))
    out = io.StringIO()
    call_command("enforcement_draw_replay", str(d.pk), stdout=out)
    assert "replay matches" in out.getvalue()
    assert algo.result_json(algo.draw(d.lists, d.seed)) == d.result
    exported = Client().get(f"/enforcement/public/draws/{d.pk}/draw.json").json()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    call_command("enforcement_draw_replay", "--json", str(path), stdout=io.StringIO())
    # One published list entry changed: the replay no longer matches.
    exported["lists"]["inspectors"][0]["id"] = 999_999
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("enforcement_draw_replay", "--json", str(path), stdout=io.StringIO())


def test_public_check_says_does_not_match_when_a_list_entry_changed(county: dict[str, Any]) -> None:
    d = plans.draw_publish(actor=county["regulator"], draw=_drawn(county))
    lists = d.lists
    lists["institutions"][0]["weight"] = lists["institutions"][0]["weight"] + 7
    Draw.objects.filter(pk=d.pk).update(lists=lists)
    page = Client().get(f"/enforcement/public/draws/{d.pk}/").content.decode()
    assert "复核不一致" in page and "名单与公示的哈希值不符" in page


def test_redraw_needs_a_reason_and_keeps_the_discarded_draw(county: dict[str, Any]) -> None:
    d = _drawn(county)
    with pytest.raises(ValidationError) as refused:
        plans.draw_redraw(actor=county["regulator"], draw=d, reason="  ")
    assert refused.value.code == "reason_required" if hasattr(refused.value, "code") else True
    d.refresh_from_db()
    assert d.status == DrawStatus.DRAWN and Draw.objects.count() == 1
    assert Inspection.objects.filter(status=InspectionStatus.PLANNED).count() == 5
    new = plans.draw_redraw(actor=county["regulator"], draw=d, reason="名单中一家机构已于抽取前注销")
    d.refresh_from_db()
    assert d.status == DrawStatus.DISCARDED and d.discard_reason.startswith("名单中")
    assert new.replaces_id == d.pk and new.status == DrawStatus.COMMITTED and new.seed != d.seed
    assert Inspection.objects.filter(draw_item__draw=d, status=InspectionStatus.CANCELLED).count() == 5
    # The discarded draw stays public with its seed, so it can be checked too.
    page = Client().get(f"/enforcement/public/draws/{d.pk}/").content.decode()
    assert d.seed in page and "名单中一家机构已于抽取前注销" in page
    # The view refuses a redraw without a reason with a message, nothing changed.
    c = Client()
    c.force_login(county["regulator"])
    plans.draw_perform(actor=county["regulator"], draw=new)
    resp = c.post(f"/enforcement/draws/{new.pk}/redraw/", {"reason": ""}, follow=True)
    assert "重新抽取须填写理由" in resp.content.decode()
    new.refresh_from_db()
    assert new.status == DrawStatus.DRAWN


def test_illegal_moves_are_refused(county: dict[str, Any]) -> None:
    d = plans.draw_commit(actor=county["regulator"], plan=county["plan"], round_no=1)
    with pytest.raises(ValidationError):
        plans.draw_commit(actor=county["regulator"], plan=county["plan"], round_no=1)  # one live draw per round
    with pytest.raises(ValidationError):
        plans.draw_publish(actor=county["regulator"], draw=d)  # nothing drawn yet
    with pytest.raises(ValidationError):
        plans.draw_commit(actor=county["regulator"], plan=county["plan"], round_no=3)  # the plan has 2 rounds


def test_conflicts_are_excluded(county: dict[str, Any]) -> None:
    inst = county["institutions"][0]
    a, b, c, _d = county["inspectors"]
    plans.conflict_declare(actor=county["regulator"], inspector=a, institution=inst, reason="配偶在该机构任职")
    done = Inspection.objects.create(
        subject_kind="institution",
        institution=inst,
        subject_name=inst.name,
        division_code="410202",
        kind=InspectionKind.ROUTINE,
        status=InspectionStatus.DONE,
        completed_at=timezone.now() - datetime.timedelta(days=30),
        created_by=county["regulator"],
    )
    done.inspectors.set([b])
    d = plans.draw_commit(actor=county["regulator"], plan=county["plan"], round_no=1)
    pairs = {(x["inspector"], x["institution"], x["kind"]) for x in d.lists["conflicts"]}
    assert pairs == {(a.pk, inst.pk, "declared"), (b.pk, inst.pk, "last_time")}
    # The reason is never published.
    assert "配偶" not in json.dumps(d.lists, ensure_ascii=False)
    for seed in ("01" * 32, "02" * 32, "03" * 32):
        result = algo.draw(dict(d.lists, sample_size=12), seed)
        for row in result:
            if row.institution == inst.pk:
                assert set(row.inspectors) == {c.pk, _d.pk}


def test_public_pages_show_names_and_certificates_never_phones(county: dict[str, Any]) -> None:
    d = plans.draw_publish(actor=county["regulator"], draw=_drawn(county))
    page = Client().get(f"/enforcement/public/draws/{d.pk}/").content.decode()
    raw = Client().get(f"/enforcement/public/draws/{d.pk}/draw.json").content.decode()
    drawn_ids = {p for row in d.result for p in row["inspectors"]}
    for u in county["inspectors"]:
        assert u.phone not in page and u.phone not in raw
        if u.pk in drawn_ids:
            assert u.display_name in page and u.enforcement_certificate.number in page
    for inst in county["institutions"]:
        assert inst.legal_rep_id not in raw and inst.phone not in raw


def test_other_county_gets_404(county: dict[str, Any]) -> None:
    d = _drawn(county)
    other = RegulatorFactory.create(username="p_xf", scope_code="410212")
    c = Client()
    c.force_login(other)
    assert c.get(f"/enforcement/plans/{county['plan'].pk}/").status_code == 404
    assert c.get(f"/enforcement/draws/{d.pk}/").status_code == 404
    assert c.post(f"/enforcement/draws/{d.pk}/publish/").status_code == 404
    assert c.post(f"/enforcement/plans/{county['plan'].pk}/rounds/2/commit/").status_code == 404
    d.refresh_from_db()
    assert d.status == DrawStatus.DRAWN
    mine = Client()
    mine.force_login(county["regulator"])
    assert mine.get(f"/enforcement/draws/{d.pk}/").status_code == 200
    assert mine.get(f"/enforcement/plans/{county['plan'].pk}/").status_code == 200


def _done(inst: Any, when: datetime.datetime, actor: User, status: str = InspectionStatus.DONE) -> None:
    Inspection.objects.create(
        subject_kind="institution",
        institution=inst,
        subject_name=inst.name,
        division_code=inst.division_code,
        kind=InspectionKind.ROUTINE,
        status=status,
        completed_at=when,
        planned_on=when.date(),
        created_by=actor,
    )
    # Written past inspection_submit: bring the kept coverage figures up to date as it does.
    coverage.sync_institutions([inst.pk])


def test_coverage_is_counted_exactly(county: dict[str, Any]) -> None:
    insts = county["institutions"]
    actor = county["regulator"]
    now = timezone.now().replace(month=6, day=15)
    _done(insts[0], now, actor)
    _done(insts[0], now, actor)  # covered: two done this year
    _done(insts[1], now, actor)
    _done(insts[1], now.replace(year=YEAR - 1), actor)  # last year's does not count
    _done(insts[2], now, actor)
    _done(insts[2], now, actor, status=InspectionStatus.CANCELLED)  # a cancelled one does not count
    _done(insts[3], now, actor)
    _done(insts[3], now, actor)
    _done(insts[3], now, actor)  # three: covered once
    revoked = InstitutionFactory.create(status=InstitutionStatus.REVOKED)
    _done(revoked, now, actor)
    _done(revoked, now, actor)  # not active: in neither count
    cov = coverage.coverage_by_county(["410202", "410212"], YEAR)
    assert (cov["410202"].active, cov["410202"].covered, cov["410202"].percent) == (12, 2, 16.7)
    assert cov["410212"].active == 0 and cov["410212"].percent is None
    uncovered = dict((i.pk, n) for i, n in coverage.uncovered_institutions(["410202"], YEAR))
    assert len(uncovered) == 10 and uncovered[insts[1].pk] == 1 and uncovered[insts[2].pk] == 1
    assert insts[0].pk not in uncovered and insts[3].pk not in uncovered


def test_coverage_page_rows_are_the_uncovered_list(county: dict[str, Any], monkeypatch: Any) -> None:
    """The page reads its uncovered institutions a slice at a time (coverage.UncoveredRows, one statement each):
    every slice equals the same part of the full list, and the total is active − covered."""
    insts = county["institutions"]
    actor = county["regulator"]
    now = timezone.now().replace(month=6, day=15)
    for inst in insts[:4]:
        _done(inst, now, actor)
        _done(inst, now, actor)
    _done(insts[5], now, actor)
    full = coverage.uncovered_institutions(["410202"], YEAR)
    by_county = coverage.coverage_by_county(["410202"], YEAR)
    rows = coverage.uncovered_rows(["410202"], YEAR, by_county)
    assert len(rows) == len(full) == 8
    for start, stop in ((0, 8), (0, 3), (2, 7), (5, 50), (8, 9)):
        assert [(i.pk, n) for i, n in rows[start:stop]] == [(i.pk, n) for i, n in full[start:stop]]
    c = Client()
    c.force_login(actor)
    page = c.get(f"/enforcement/coverage/?year={YEAR}").content.decode()
    assert "尚未达标的机构（8 家）" in page and insts[5].name in page and insts[0].name not in page


def test_coverage_figures_equal_a_straightforward_count_in_scope(county: dict[str, Any]) -> None:
    """Per-county active/covered counts (kept, and computed directly in SQL) and the uncovered rows against a count
    in Python over every institution and inspection, for two counties; a county outside the counties asked for adds
    nothing, and an inspection recorded in another county than the institution's does not count."""
    actor = county["regulator"]
    now = timezone.now().replace(month=6, day=15)
    insts = county["institutions"]
    other = [InstitutionFactory.create(division_code="410212") for _ in range(4)]
    far = InstitutionFactory.create(division_code="410203")  # not asked for
    for n, inst in enumerate([*insts, *other, far]):
        for _ in range(n % 4):
            _done(inst, now, actor)
    stray = Inspection.objects.filter(institution=insts[2]).first()
    assert stray is not None
    Inspection.objects.filter(pk=stray.pk).update(division_code="410203")  # recorded outside the counties asked for
    coverage.sync_institutions([insts[2].pk])
    counties = ["410202", "410212"]
    need = coverage.target()

    def straightforward() -> tuple[dict[str, tuple[int, int]], list[tuple[int, int]]]:
        counts: dict[str, tuple[int, int]] = {c: (0, 0) for c in counties}
        uncovered = []
        for inst in Institution.objects.order_by("division_code", "name_key", "pk"):
            if inst.status != InstitutionStatus.ACTIVE or inst.division_code not in counties:
                continue
            done = sum(
                1
                for i in Inspection.objects.filter(institution=inst)
                if i.status == InspectionStatus.DONE
                and i.completed_at is not None
                and timezone.localtime(i.completed_at).year == YEAR
                and i.division_code == inst.division_code
            )
            active, covered = counts[inst.division_code]
            counts[inst.division_code] = (active + 1, covered + (done >= need))
            if done < need:
                uncovered.append((inst.pk, done))
        return counts, uncovered

    expected, expected_rows = straightforward()
    by_county = coverage.coverage_by_county(counties, YEAR)
    assert {c: (v.active, v.covered) for c, v in by_county.items()} == expected
    assert coverage.direct_by_county(counties, YEAR) == by_county
    assert expected["410212"][0] == 4 and expected_rows  # both counties hold rows, some uncovered
    rows = coverage.uncovered_rows(counties, YEAR, by_county)
    assert len(rows) == len(expected_rows)
    assert [(i.pk, n) for i, n in rows[0:100]] == expected_rows
    assert [(i.pk, n) for i, n in rows[3:7]] == expected_rows[3:7]
    assert rows[len(expected_rows) : len(expected_rows) + 5] == []


def test_statistics_page_is_scoped_and_exports(county: dict[str, Any], settings: Any) -> None:
    settings.ENFORCEMENT_STATS_CACHE_SECONDS = 0
    _drawn(county)
    xf_inst = InstitutionFactory.create(division_code="410212")
    _done(xf_inst, timezone.now(), county["regulator"])
    city = RegulatorFactory.create(username="p_city", scope_code="4102")
    c = Client()
    c.force_login(county["regulator"])
    page = c.get(f"/enforcement/statistics/?year={YEAR}").content.decode()
    assert "龙亭区" in page and "祥符区" not in page
    xlsx = export_download(c, f"/enforcement/statistics/?year={YEAR}&export=xlsx")
    body = b"".join(xlsx.streaming_content)
    ws = load_workbook(io.BytesIO(body)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert rows[1][0] == "410202" and len(rows) == 2
    assert rows[1][header.index("检查总数")] == 5 and rows[1][header.index("双随机抽查")] == 5
    c.force_login(city)
    page = c.get(f"/enforcement/statistics/?year={YEAR}").content.decode()
    assert "龙亭区" in page and "祥符区" in page
    assert c.get(f"/enforcement/coverage/?year={YEAR}&division=410212").status_code == 200


def test_floor_too_high_is_refused_with_a_message(county: dict[str, Any]) -> None:
    plan = plans.plan_create(
        actor=county["regulator"],
        data=plans.PlanData(name="高保底", year=YEAR, division_code="410202", rounds=1, sample_size=2, floor_bp=5000),
    )
    with pytest.raises(ValidationError) as refused:
        plans.draw_commit(actor=county["regulator"], plan=plan, round_no=1)
    assert "保底概率过高" in str(refused.value)
    assert not Draw.objects.filter(plan=plan).exists()


def test_plan_form_errors_are_shown(county: dict[str, Any]) -> None:
    c = Client()
    c.force_login(county["regulator"])
    resp = c.post(
        "/enforcement/plans/",
        {
            "name": "",
            "year": YEAR,
            "division_code": "410202",
            "department": "education",
            "rounds": 2,
            "sample_size": 0,
            "floor_bp": 0,
            "weight_subject": 1,
            "weight_non_subject": 1,
        },
    )
    assert resp.status_code == 200 and "is-invalid" in resp.content.decode()
    resp = c.post(
        "/enforcement/plans/",
        {
            "name": "第二计划",
            "year": YEAR,
            "division_code": "410202",
            "department": "education",
            "rounds": 2,
            "sample_size": 3,
            "floor_bp": 100,
            "weight_subject": 3,
            "weight_non_subject": 1,
        },
    )
    assert resp.status_code == 302
