"""County evaluation on fixed data with hand-computed figures: every indicator's value, numerator and
denominator, its drill-down listing exactly the rows counted, the ranking, the export, the method page and
access (a county sees only itself, a city its counties, anything else 404)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shuangjian.complaints.tests.factories import ReportFactory
from shuangjian.core.models import Division, DivisionLevel, GridAssignment, GridCell, Role
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import UserFactory
from shuangjian.enforcement.models import PenaltyCase
from shuangjian.enforcement.tests.case_factories import file_case
from shuangjian.grid.models import GridReport
from shuangjian.oversight import evaluation
from shuangjian.oversight.models import EvaluationScore
from shuangjian.registry.models import InstitutionStatus as IS
from shuangjian.registry.models import SupervisionMode as SM
from shuangjian.registry.tests.factories import InstitutionFactory
from shuangjian.schools.models import SchoolKind, ServicePlan
from shuangjian.staff.tests.factories import SchoolFactory

from .factories import World, inspection_done, notice, world

pytestmark = pytest.mark.django_db
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
D = datetime.date


@pytest.fixture
def w() -> World:
    return world()


@pytest.fixture
def data(w: World) -> dict:
    mk = InstitutionFactory.create
    a = mk(name="甲", division_code="410202", status=IS.ACTIVE, supervision_mode=SM.BANK_CUSTODY)
    b = mk(name="乙", division_code="410202", status=IS.ACTIVE, supervision_mode=SM.NONE)
    c = mk(name="丙", division_code="410202", status=IS.ACTIVE, supervision_mode=SM.RISK_DEPOSIT)
    d = mk(name="丁", division_code="410202", status=IS.SUSPENDED, supervision_mode=SM.NONE)
    e = mk(name="戊", division_code="410202", status=IS.UNLICENSED)
    mk(name="己", division_code="410202", status=IS.DEREGISTERED)
    g = mk(name="庚", division_code="410203", status=IS.ACTIVE, supervision_mode=SM.BANK_CUSTODY)
    by = w.county
    inspection_done(a, by, D(2025, 6, 1))
    inspection_done(a, by, D(2026, 2, 1))  # a: 2 in the 365 days to 31 March → counted
    inspection_done(b, by, D(2026, 2, 1))
    inspection_done(b, by, D(2026, 3, 1), status="planned")  # b: 1 done → not counted
    inspection_done(c, by, D(2025, 3, 1))  # before 1 April 2025: outside the window
    inspection_done(c, by, D(2026, 3, 1))  # c: 1 → not counted
    inspection_done(g, w.county_b, D(2026, 1, 5))
    inspection_done(g, w.county_b, D(2026, 2, 5))
    notice(a, by, D(2026, 2, 10), status="closed")  # due in the period, closed → counted
    notice(b, by, D(2026, 3, 20))  # due, still open
    notice(c, by, D(2026, 1, 15), status="escalated")  # due, escalated: not closed
    notice(a, by, D(2026, 4, 5), status="closed")  # due after the period: not looked at
    s1 = SchoolFactory.create(name="一小", kind=SchoolKind.PRIMARY)
    s2 = SchoolFactory.create(name="一中", kind=SchoolKind.JUNIOR)
    SchoolFactory.create(name="二小", kind=SchoolKind.PRIMARY)  # no plan
    SchoolFactory.create(name="高中", kind=SchoolKind.SENIOR)  # not compulsory
    for s, days in ((s1, 5), (s2, 4)):
        ServicePlan.objects.create(
            school=s, term="2026-spring", days_per_week=days, minutes_per_day=120, division_code="410202"
        )
    # Reports: answer due in the period — one answered on the due day, one late, one still open; one due after
    # the period and one merged are not looked at.
    at = datetime.datetime(2026, 2, 10, 10, tzinfo=datetime.UTC)
    ReportFactory.create(division_code="410202", answer_due_on=D(2026, 2, 10), answered_at=at)
    ReportFactory.create(division_code="410202", answer_due_on=D(2026, 2, 9), answered_at=at)
    ReportFactory.create(division_code="410202", answer_due_on=D(2026, 3, 1))
    ReportFactory.create(division_code="410202", answer_due_on=D(2026, 4, 2), answered_at=at)
    primary = ReportFactory.create(division_code="410203", answer_due_on=D(2026, 2, 10), answered_at=at)
    ReportFactory.create(division_code="410202", answer_due_on=D(2026, 2, 10), merged_into=primary)
    # Cases: filed in the period — one closed, one still open; one filed before the period is not looked at.
    file_case(by, a, filed_on=D(2026, 2, 1))
    PenaltyCase.objects.filter(institution=a).update(stage="closed")
    file_case(by, b, filed_on=D(2026, 3, 1))
    file_case(by, c, filed_on=D(2025, 12, 1))
    # Grid: an officer on one 龙亭区 cell for Monday 30 and Tuesday 31 March (working days) reported once.
    town = Division.objects.create(
        code="410202001", name="北书店街道", level=DivisionLevel.TOWNSHIP, parent_id="410202"
    )
    cell = GridCell.objects.create(code="410202001001", name="北书店第1网格", township=town)
    officer = UserFactory.create(username="e_grid", role=Role.GRID_OFFICER, scope_code="")
    GridAssignment.objects.create(officer=officer, cell=cell, start=D(2026, 3, 30))
    GridReport.objects.create(
        officer=officer,
        cell=cell,
        day=D(2026, 3, 30),
        division_code="410202",
        township_code=town.code,
        grid_code=cell.code,
        is_zero=True,
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


EXPECTED = {  # (numerator, denominator) for 龙亭区, counted by hand from ``data``
    "on_record": (4, 5),
    "custody": (2, 3),
    "inspection": (1, 3),
    "rectification": (1, 3),
    "afterschool": (1, 3),
    "reports_on_time": (1, 3),
    "cases_closed": (1, 2),
    "grid_reporting": (1, 2),
}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_indicators_match_the_hand_count_and_rank(w: World, data: dict) -> None:
    period = evaluation.period_compute(actor=w.city, name="2026年第一季度", starts_on=START, ends_on=END)
    got = {
        s.indicator: (s.numerator, s.denominator)
        for s in EvaluationScore.objects.filter(period=period, division_code="410202")
    }
    assert got == EXPECTED
    rows = evaluation.ranked_table(w.city, period)
    assert [(r.code, r.rank, r.total) for r in rows] == [("410203", 1, 100.0), ("410202", 2, 47.5)]
    assert rows[1].scores["custody"].percent == 66.7
    assert set(rows[1].below) == set(EXPECTED)  # every figure of 龙亭区 is under the 90 % line
    # The county sees only its own row; another city none.
    assert [r.code for r in evaluation.ranked_table(w.county, period)] == ["410202"]
    assert evaluation.ranked_table(w.other_city, period) == []


def test_each_drill_down_lists_exactly_the_rows_counted(w: World, data: dict) -> None:
    period = evaluation.period_compute(actor=w.city, name="Q1", starts_on=START, ends_on=END)
    counted = {}
    for key, (n, d) in EXPECTED.items():
        _item, fig = evaluation.drill_down(w.county, period, "410202", key)
        assert (fig.numerator, fig.denominator) == (n, d)
        counted[key] = sorted(r.label for r in fig.rows if r.counted)
    assert counted["on_record"] == sorted(["甲", "乙", "丙", "丁"])
    assert counted["custody"] == sorted(["甲", "丙"])
    assert counted["inspection"] == ["甲"]
    assert len(counted["rectification"]) == 1
    assert counted["afterschool"] == ["一小"]
    page = client_for(w.city).get(reverse("oversight:evaluation_drill", args=[period.pk, "410202", "custody"]))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-counted="1"') == 2 and html.count('data-counted="0"') == 1
    assert 'data-testid="moved"' not in html
    # The table keeps the figure as computed; the drill-down says when live data has moved since.
    data["b"].supervision_mode = SM.RISK_DEPOSIT
    data["b"].save()
    page = client_for(w.city).get(reverse("oversight:evaluation_drill", args=[period.pk, "410202", "custody"]))
    assert 'data-testid="moved"' in page.content.decode()
    assert EvaluationScore.objects.get(period=period, division_code="410202", indicator="custody").numerator == 2


def test_access_and_export_and_method(w: World, data: dict) -> None:
    period = evaluation.period_compute(actor=w.city, name="Q1", starts_on=START, ends_on=END)
    url = reverse("oversight:evaluation_drill", args=[period.pk, "410202", "custody"])
    assert client_for(w.county).get(url).status_code == 200
    assert client_for(w.county_b).get(url).status_code == 404
    assert client_for(w.other_city).get(url).status_code == 404
    with pytest.raises(Http404):
        evaluation.drill_down(w.city, period, "410202", "no_such_indicator")
    assert client_for(w.county).post(reverse("oversight:evaluation_compute")).status_code == 404  # counties don't
    r = export_download(client_for(w.city), reverse("oversight:evaluation_export", args=[period.pk]))
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    before = load_workbook(evaluation.ranked_export(w.city, period)).active  # the export as it was, in the request
    assert [[c.value for c in row] for row in before.iter_rows()] == [[c.value for c in row] for row in ws.iter_rows()]
    assert [v[:3] for v in values] == [[1, "顺河回族区", 100], [2, "龙亭区", 47.5]]
    assert "4/5" in values[1]
    page = client_for(w.city).get(reverse("oversight:evaluation") + f"?period={period.pk}").content.decode()
    assert "47.5" in page and "66.7%" in page
    method = client_for(w.county).get(reverse("oversight:evaluation_method")).content.decode()
    assert "ENFORCEMENT_INSPECTIONS_PER_YEAR" in method and "银行托管" in method and "近一年检查覆盖率" in method


def test_compute_from_the_page_and_dashboard_trend(w: World, data: dict) -> None:
    city = client_for(w.city)
    r = city.post(
        reverse("oversight:evaluation_compute"), {"name": "Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}
    )
    assert r.status_code == 302
    r = city.post(
        reverse("oversight:evaluation_compute"), {"name": "bad", "starts_on": "2026-03-31", "ends_on": "2026-01-01"}
    )
    assert r.status_code == 302 and EvaluationScore.objects.filter(period__name="bad").count() == 0
    page = city.get(reverse("oversight:dashboard") + "?county=410202")
    html = page.content.decode()
    assert page.status_code == 200 and "4 / 5" in html
    assert page.context["board"].uncovered_total == 1  # 乙: active, prepaid money not supervised


def test_dashboard_badges_stop_counting_at_the_cap(w: World, data: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """A badge counts up to BADGE_COUNT_CAP and then shows "cap+" (an exact count of a province's unsupervised
    institutions grew with the register); under the cap it is exact."""
    from shuangjian.oversight import dashboard

    for n in range(3):
        InstitutionFactory.create(name=f"未监管{n}", division_code="410202", status=IS.ACTIVE, supervision_mode=SM.NONE)
    exact = dashboard.dashboard_for_user(w.city, county="410202")
    assert exact.uncovered_total == 4 and not exact.uncovered_more
    monkeypatch.setattr(dashboard, "BADGE_COUNT_CAP", 2)
    capped = dashboard.dashboard_for_user(w.city, county="410202")
    assert capped.uncovered_total == 2 and capped.uncovered_more
    html = client_for(w.city).get(reverse("oversight:dashboard") + "?county=410202").content.decode()
    assert 'data-testid="uncovered">2+</span>' in html
