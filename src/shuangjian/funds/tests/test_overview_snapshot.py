"""The regulator view reads a snapshot of the figures computed for the whole province (funds/overview.py): what it
shows in each jurisdiction equals the live computation and sums worked out by hand, it is recomputed once older
than the refresh period, and the Excel export (a job) holds the page's rows."""

from __future__ import annotations

import dataclasses
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shuangjian.core.models import Division, User
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory

from .. import overview, release, selectors
from ..models import Bank, FundsSnapshot, FundsSnapshotRow
from ..tasks import overview_refresh_task
from .conftest import World
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory
from .test_release import attend, pay

pytestmark = pytest.mark.django_db

FEE = 400_000  # 40 lessons × 100 yuan (EnrolmentFactory)


def _world(bank: Bank, division: str, name: str, *, custody: bool = True) -> World:
    institution = InstitutionFactory.create(division_code=division, name=name)
    if custody:
        CustodyAccountFactory.create(institution=institution, bank=bank)
    enrolment = EnrolmentFactory.create(class_group__course__institution=institution, student__division_code=division)
    return World(bank=bank, institution=institution, enrolment=enrolment)


@dataclasses.dataclass
class Province:
    a: World  # 410202: 1,000 yuan paid of 4,000, one lesson waiting for the parent: flagged
    b: World  # 410203: paid in full: covered
    c: World  # 410302 (another city): 500 yuan of 4,000: flagged, out of Kaifeng's reach
    d: World  # 410202, a second institution, paid in full


@pytest.fixture
def province(db: object) -> Province:
    for code, name in [("410202", "龙亭区"), ("410203", "顺河回族区"), ("410302", "老城区")]:
        Division.objects.get_or_create(code=code, defaults={"name": name})
    bank = BankFactory.create(code="simbank", notification_secret="test-secret")
    p = Province(
        a=_world(bank, "410202", "甲机构"),
        b=_world(bank, "410203", "乙机构"),
        c=_world(bank, "410302", "丙机构"),
        d=_world(bank, "410202", "丁机构"),
    )
    pay(p.a, 100_000)
    request = release.consumption_request_create_for_attendance(attend(p.a, datetime.date(2026, 3, 2)))
    assert request is not None
    pay(p.b, FEE)
    pay(p.c, 50_000)
    pay(p.d, FEE)
    return p


def _live(user: User, division: str = "") -> selectors.FundsOverview:
    return selectors.funds_overview(user, division=division)


def _assert_snapshot_equals_live(user: User, division: str = "") -> selectors.FundsOverviewSnapshot:
    """Every figure the page shows (counties, chart, each institution in order) equals the live computation."""
    live = _live(user, division)
    snap = selectors.funds_overview_snapshot(user, division=division)
    assert snap.snapshot is not None
    county_fields = [f.name for f in dataclasses.fields(selectors.CountyFunds)]
    assert [[getattr(c, f) for f in county_fields] for c in snap.counties] == [
        [getattr(c, f) for f in county_fields] for c in live.counties
    ]
    row_fields = [f.name for f in dataclasses.fields(selectors.InstitutionFunds)] + [
        "coverage_percent",
        "outside_custody",
        "spike",
    ]
    rows = list(snap.institutions)
    assert [[getattr(r, f) if f != "institution_id" else r.institution_id for f in row_fields] for r in rows] == [
        [getattr(r, f) for f in row_fields] for r in live.institutions
    ]
    assert snap.institution_count == len(rows) == len(live.institutions)
    assert snap.weeks == live.weeks and snap.weekly_in_fen == live.weekly_in_fen
    return snap


def test_snapshot_equals_live_figures_and_hand_sums_in_every_scope(province: Province) -> None:
    overview.funds_overview_refresh()
    city = RegulatorFactory.create(scope_code="4102")
    county = RegulatorFactory.create(scope_code="410202")
    admin = PlatformAdminFactory.create()

    snap = _assert_snapshot_equals_live(city)
    # Worked out by hand: A owes 4,000 − 100 (one lesson) = 3,900 yuan against 1,000 in custody: 26 %, flagged.
    assert [c.division_code for c in snap.counties] == ["410202", "410203"]
    longting, shunhe = snap.counties
    assert longting.name == "龙亭区" and longting.institutions == 2 and longting.flagged == 1
    assert longting.custody_fen == 100_000 + FEE and longting.prepaid_fen == 100_000 + FEE
    assert longting.expected_prepaid_fen == (FEE - 10_000) + FEE and longting.pending_confirmations == 1
    assert shunhe.custody_fen == FEE and shunhe.institutions == 1 and shunhe.flagged == 0
    names = [r.name for r in snap.institutions]
    assert names == ["甲机构", "丁机构", "乙机构"]  # the flagged one first, then by coverage and name
    first = snap.institutions[0]
    assert first.coverage_percent == 26 and first.outside_custody and first.pending_confirmations == 1
    assert sum(snap.weekly_in_fen) == 100_000 + FEE + FEE  # the other city's 500 yuan is not Kaifeng's

    snap = _assert_snapshot_equals_live(county)
    assert [r.name for r in snap.institutions] == ["甲机构", "丁机构"]
    assert [c.division_code for c in snap.counties] == ["410202"]

    snap = _assert_snapshot_equals_live(city, division="410203")
    assert [r.name for r in snap.institutions] == ["乙机构"]

    snap = _assert_snapshot_equals_live(admin)
    assert [r.name for r in snap.institutions] == [
        "丙机构",
        "甲机构",
        "丁机构",
        "乙机构",
    ]  # 12 % (half to even) before 26 %
    assert sum(c.custody_fen for c in snap.counties) == 100_000 + FEE + 50_000 + FEE


def test_page_shows_the_snapshot_in_scope_and_recomputes_once_stale(
    province: Province, client: Client, settings: object
) -> None:
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    page = client.get("/funds/overview/").content.decode()  # no snapshot yet: computed (eagerly) before the page
    assert FundsSnapshot.objects.filter(complete=True).count() == 1
    assert "甲机构" in page and "丁机构" in page and "乙机构" not in page and "丙机构" not in page
    assert "数据截至" in page and "text-bg-danger" in page and "<td>26%</td>" in page

    pay(province.a, 290_000)  # now covered; the page keeps the snapshot's figures until it is older than the period
    page = client.get("/funds/overview/").content.decode()
    assert "<td>26%</td>" in page and FundsSnapshot.objects.count() == 1
    FundsSnapshot.objects.update(computed_at=timezone.now() - datetime.timedelta(seconds=601))
    page = client.get("/funds/overview/").content.decode()
    assert "<td>26%</td>" not in page and "text-bg-danger" not in page
    row = FundsSnapshotRow.objects.get(snapshot=selectors.latest_funds_snapshot(), institution=province.a.institution)
    assert row.custody_fen == 390_000 and row.coverage_percent == 100


def test_out_of_scope_county_filter_shows_nothing(province: Province, client: Client) -> None:
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    page = client.get("/funds/overview/", {"division": "410302"}).content.decode()
    assert "丙机构" not in page and "甲机构" not in page


def test_refresh_task_keeps_the_latest_two_snapshots(province: Province) -> None:
    ids = [overview_refresh_task() for _ in range(4)]
    assert list(FundsSnapshot.objects.order_by("pk").values_list("pk", flat=True)) == ids[-2:]
    assert set(FundsSnapshotRow.objects.values_list("snapshot_id", flat=True)) == set(ids[-2:])
    assert selectors.latest_funds_snapshot() == FundsSnapshot.objects.get(pk=ids[-1])


def test_export_is_a_job_holding_the_pages_rows_in_scope(province: Province, client: Client) -> None:
    client.force_login(RegulatorFactory.create(scope_code="4102"))
    response = export_download(client, "/funds/overview/?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["甲机构", "丁机构", "乙机构"]
    assert rows[1][0] == "410202" and rows[1][2] == 1000 and rows[1][5] == 26 and rows[1][10] == "疑似体外收费"
    response = export_download(client, "/funds/overview/?division=410203&export=xlsx")
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )
    assert [r[1] for r in rows[1:]] == ["乙机构"]


def test_people_without_supervision_get_no_overview_and_no_export(province: Province, client: Client) -> None:
    from .factories import operator_of

    client.force_login(operator_of(province.a.institution))
    assert client.get("/funds/overview/").status_code in (403, 404)
    assert client.get("/funds/overview/?export=xlsx").status_code in (403, 404)
