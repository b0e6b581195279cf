"""The daily report: one tap for "nothing found", one report per officer, cell and day, a finding becomes an
inspection lead linked both ways, reminders for gaps, and the pages' access rules."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.enforcement.models import InspectionSource, InspectionStatus, SubjectKind
from shuangjian.grid import services
from shuangjian.grid.models import Finding, FindingKind, GridReport, Reminder, SightingKind

from .factories import assign, cells, institution_in, jpeg_upload, officer

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setup():
    c1, _c2, c3 = cells()
    since = datetime.date(2026, 9, 1)
    user = officer()
    assign(user, c1, since)
    neighbour = officer(username="g_neighbour")
    assign(neighbour, c3, since)
    return user, neighbour, c1, c3


def test_a_zero_report_is_one_tap_and_a_second_tap_changes_nothing(setup) -> None:
    user, _n, c1, _c3 = setup
    client = login(user)
    home = client.get(reverse("grid:home"))
    assert home.status_code == 200 and "今日无异常" in home.content.decode()
    r = client.post(reverse("grid:report_zero", args=[c1.code]), follow=True)
    assert r.status_code == 200 and "今日无异常" in r.content.decode()
    report = GridReport.objects.get()
    assert report.is_zero and report.officer == user and report.day == timezone.localdate()
    assert (report.division_code, report.township_code, report.grid_code) == ("410202", "410202001", c1.code)
    client.post(reverse("grid:report_zero", args=[c1.code]))
    assert GridReport.objects.count() == 1
    assert "今日已报" in client.get(reverse("grid:home")).content.decode()


def test_a_report_for_a_cell_not_held_that_day_is_refused(setup) -> None:
    user, _n, c1, c3 = setup
    with pytest.raises(ValidationError):
        services.grid_report_zero(actor=user, cell=c3)
    with pytest.raises(ValidationError):
        services.grid_report_zero(actor=user, cell=c1, day=datetime.date(2026, 8, 31))
    with pytest.raises(ValidationError):
        services.grid_report_zero(actor=user, cell=c1, day=timezone.localdate() + datetime.timedelta(days=1))
    assert login(user).post(reverse("grid:report_zero", args=[c3.code])).status_code == 404
    assert not GridReport.objects.exists()


def test_the_form_files_sightings_and_findings_with_a_photo(setup) -> None:
    user, _n, c1, _c3 = setup
    open_inst = institution_in(c1, name="正常培训中心")
    defiant = institution_in(c1, name="顶风培训学校")
    client = login(user)
    url = reverse("grid:report_new", args=[c1.code])
    page = client.get(url)
    assert "顶风培训学校" in page.content.decode()
    r = client.post(
        url,
        {
            "places_patrolled": "书店街",
            f"inst_{open_inst.pk}": SightingKind.OPEN,
            f"inst_{defiant.pk}": SightingKind.AGAINST_ORDER,
            "ads_seen": "电线杆上“小学奥数速成”小广告",
            "unlicensed_name": "小状元作业辅导",
            "unlicensed_address": "北道门街12号",
            "unlicensed_photo": jpeg_upload(),
            "latitude": "34.801000",
            "longitude": "114.351000",
        },
    )
    assert r.status_code == 302
    report = GridReport.objects.get()
    assert {(s.institution_id, s.kind) for s in report.sightings.all()} == {
        (open_inst.pk, SightingKind.OPEN),
        (defiant.pk, SightingKind.AGAINST_ORDER),
    }
    kinds = {f.kind: f for f in report.findings.all()}
    assert set(kinds) == {FindingKind.AGAINST_ORDER, FindingKind.AD, FindingKind.UNLICENSED}
    unlicensed = kinds[FindingKind.UNLICENSED]
    assert unlicensed.photo and len(unlicensed.photo_sha256) == 64 and str(unlicensed.latitude) == "34.801000"
    assert client.get(reverse("grid:finding_photo", args=[unlicensed.pk])).status_code == 200


def test_bad_input_is_a_form_error_and_nothing_is_written(setup) -> None:
    user, _n, c1, _c3 = setup
    client = login(user)
    url = reverse("grid:report_new", args=[c1.code])
    bad_photo = jpeg_upload("x.jpg")
    bad_photo.seek(0)
    bad_photo = type(bad_photo)(b"<svg></svg>")
    bad_photo.name = "x.jpg"
    r = client.post(url, {"unlicensed_name": "某工作室", "unlicensed_photo": bad_photo, "latitude": "34.8"})
    assert r.status_code == 422
    body = r.content.decode()
    assert "请填写疑似无证培训的地址" in body and "请同时填写经度和纬度" in body
    assert not GridReport.objects.exists() and not Finding.objects.exists()


def test_a_finding_becomes_an_inspection_lead_linked_both_ways(setup) -> None:
    user, _n, c1, _c3 = setup
    defiant = institution_in(c1, name="顶风培训学校")
    result = services.grid_report_submit(
        actor=user,
        cell=c1,
        day=timezone.localdate(),
        data=services.ReportInput(
            sightings={defiant.pk: SightingKind.AGAINST_ORDER},
            findings=(
                services.FindingInput(kind=FindingKind.AGAINST_ORDER, institution_id=defiant.pk),
                services.FindingInput(kind=FindingKind.UNLICENSED, name="无名托管班", address="北道门街3号"),
            ),
        ),
    )
    against, unlicensed = result.report.findings.order_by("pk")
    client = login(user)
    page = client.get(reverse("grid:report_detail", args=[result.report.pk])).content.decode()
    assert "转为检查线索" in page
    client.post(reverse("grid:finding_lead", args=[against.pk]))
    client.post(reverse("grid:finding_lead", args=[against.pk]))  # a second tap: still one lead
    against.refresh_from_db()
    lead = against.inspection
    assert lead is not None and lead.status == InspectionStatus.PLANNED
    assert (lead.source, lead.source_ref, lead.institution) == (InspectionSource.GRID, str(result.report.pk), defiant)
    assert list(lead.grid_findings.all()) == [against]
    assert lead.created_by == user

    finding = services.grid_finding_to_lead(actor=user, finding=unlicensed)
    assert finding.unlicensed is not None and finding.unlicensed.grid_code == c1.code
    assert finding.inspection is not None and finding.inspection.subject_kind == SubjectKind.UNLICENSED
    assert finding.inspection.unlicensed == finding.unlicensed
    assert "已转为检查线索" in client.get(reverse("grid:report_detail", args=[result.report.pk])).content.decode()


def test_another_cells_report_and_finding_are_404(setup) -> None:
    user, neighbour, _c1, c3 = setup
    theirs = services.grid_report_submit(
        actor=neighbour,
        cell=c3,
        day=timezone.localdate(),
        data=services.ReportInput(findings=(services.FindingInput(kind=FindingKind.AD, description="小广告"),)),
    ).report
    finding = theirs.findings.get()
    client = login(user)
    assert client.get(reverse("grid:report_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("grid:finding_lead", args=[finding.pk])).status_code == 404
    assert client.get(reverse("grid:cell", args=[c3.code])).status_code == 404
    assert client.get(reverse("grid:report_new", args=[c3.code])).status_code == 404
    finding.refresh_from_db()
    assert finding.inspection_id is None
    # The county's regulator reads it, and may raise the lead too; another county's does not see it.
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    assert login(regulator).get(reverse("grid:report_detail", args=[theirs.pk])).status_code == 200
    xf = RegulatorFactory.create(username="g_reg_xf", scope_code="410212")
    assert login(xf).get(reverse("grid:report_detail", args=[theirs.pk])).status_code == 404


def test_missing_reports_are_chased_once_and_resolved_by_filing(setup, settings) -> None:
    user, neighbour, c1, c3 = setup
    day = datetime.date(2026, 10, 9)  # a Friday, a working day
    services.grid_report_zero(actor=neighbour, cell=c3, day=day)
    assert services.grid_reminders_send(day=day) == 1
    assert services.grid_reminders_send(day=day) == 0
    reminder = Reminder.objects.get()
    assert (reminder.officer, reminder.cell, reminder.resolved_at) == (user, c1, None)
    client = login(user)
    assert "尚未报送" in client.get(reverse("grid:home")).content.decode()
    # "补报无异常" on the reminder files the missed day (late), which resolves the reminder.
    client.post(reverse("grid:report_zero", args=[c1.code]), {"day": day.isoformat()})
    reminder.refresh_from_db()
    assert reminder.resolved_at is not None
    assert GridReport.objects.get(officer=user, day=day).is_zero
    assert "尚未报送" not in client.get(reverse("grid:home")).content.decode()
    # A holiday expects nothing, so nobody is chased.
    assert services.grid_reminders_send(day=datetime.date(2026, 10, 2)) == 0


def test_the_rates_page_counts_and_exports(setup) -> None:
    user, _neighbour, c1, _c3 = setup
    services.grid_report_zero(actor=user, cell=c1, day=datetime.date(2026, 10, 9))
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    client = login(regulator)
    r = client.get(reverse("grid:rates"), {"first": "2026-10-05", "last": "2026-10-11"})
    assert r.status_code == 200
    data = r.context["data"]
    # 8, 9 and (make-up) 10 October for each of the two cells; one report filed, now — late.
    assert (data.total.expected, data.total.actual) == (6, 1)
    assert [t.tally.expected for t in data.townships] == [3, 3]
    assert len(data.gaps) == 5
    x = export_download(client, reverse("grid:rates_export"), {"first": "2026-10-05", "last": "2026-10-11"})
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("grid:rates"), {"first": "2026-10-11", "last": "2026-10-01"}).status_code == 422
    assert login(user).get(reverse("grid:rates")).status_code == 404


def test_a_regulator_assigns_and_ends_assignments_in_their_county_only(setup) -> None:
    user, _neighbour, c1, c3 = setup
    newcomer = officer(username="g_new")
    newcomer.scope_code = c3.code
    newcomer.save()
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    client = login(regulator)
    page = client.get(reverse("grid:assignments"))
    assert page.status_code == 200 and c1.code in page.content.decode()
    r = client.post(reverse("grid:assignments"), {"officer": newcomer.pk, "cell": c3.pk, "start": "2026-10-01"})
    assert r.status_code == 302
    assignment = newcomer.grid_assignments.get()
    assert assignment.cell == c3 and assignment.end is None
    r = client.post(reverse("grid:assignment_end", args=[assignment.pk]), {"end": "2026-09-30"})
    assignment.refresh_from_db()
    assert assignment.end is None  # before its start: refused
    client.post(reverse("grid:assignment_end", args=[assignment.pk]), {"end": "2026-10-31"})
    assignment.refresh_from_db()
    assert assignment.end == datetime.date(2026, 10, 31)
    # Another county's regulator neither sees nor ends it; an officer has no such page.
    xf = login(RegulatorFactory.create(username="g_reg_xf", scope_code="410212"))
    assert c1.code not in xf.get(reverse("grid:assignments")).content.decode()
    assert xf.post(reverse("grid:assignment_end", args=[assignment.pk]), {"end": "2026-11-30"}).status_code == 404
    assert login(user).get(reverse("grid:assignments")).status_code == 404
