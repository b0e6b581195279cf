"""A grid finding becomes a public-report case (channel 网格员上报) in one tap: linked both ways, idempotent,
audited, only for the officer's own cells (404 otherwise), its photo copied under the photo evidence rules, and
nothing of the officer or the finding shown to the public."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangjian.complaints import services as complaints_services
from shuangjian.complaints.models import Category, Channel, Report, ReportStatus
from shuangjian.core.models import AuditEvent
from shuangjian.core.photos import photo_check
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.enforcement.models import Inspection
from shuangjian.grid import services
from shuangjian.grid.models import Finding, FindingKind

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
    user = officer(display_name="网格员 吴芳")
    assign(user, c1, since)
    neighbour = officer(username="g_neighbour")
    assign(neighbour, c3, since)
    return user, neighbour, c1, c3


def file_finding(user, cell, *findings: services.FindingInput) -> list[Finding]:
    report = services.grid_report_submit(
        actor=user, cell=cell, day=timezone.localdate(), data=services.ReportInput(findings=findings)
    ).report
    return list(report.findings.order_by("pk"))


def unlicensed(photo: bool = True) -> services.FindingInput:
    return services.FindingInput(
        kind=FindingKind.UNLICENSED,
        name="小状元作业辅导",
        address="龙亭区北道门街12号二楼",
        description="居民楼内约十名小学生上课。",
        latitude=None,
        photo=photo_check(jpeg_upload()) if photo else None,
    )


def test_one_tap_makes_a_grid_report_case_linked_both_ways_and_a_second_tap_the_same(setup) -> None:
    user, _n, c1, _c3 = setup
    (finding,) = file_finding(user, c1, unlicensed())
    client = login(user)
    page = client.get(reverse("grid:finding_detail", args=[finding.pk])).content.decode()
    assert "转为举报案件" in page

    r = client.post(reverse("grid:finding_report", args=[finding.pk]), {"next": "finding"}, follow=True)
    assert r.status_code == 200
    report = Report.objects.get()
    assert "已转为举报案件" in r.content.decode() and report.display_code in r.content.decode()
    assert (report.channel, report.category, report.status) == (Channel.GRID, Category.UNLICENSED, ReportStatus.NEW)
    assert (report.reporter, report.recorded_by, report.division_code) == (user, user, "410202")
    assert report.institution_name == "小状元作业辅导" and report.address == "龙亭区北道门街12号二楼"
    assert "居民楼内约十名小学生上课" in report.description
    assert report.source_ref == f"grid.finding:{finding.pk}"
    finding.refresh_from_db()
    assert finding.public_report == report
    # The photo went through the checks again; the evidence is the original's, not the copy's.
    (photo,) = report.photos.all()
    assert photo.sha256 == finding.photo_sha256 and photo.original_format == "JPEG"
    assert photo.original_bytes == finding.photo_bytes and photo.image.read().startswith(b"\xff\xd8\xff")

    # A second tap (or a retry over a weak connection): the same case, nothing new.
    again = client.post(reverse("grid:finding_report", args=[finding.pk]), follow=True)
    assert "此前已转为举报案件" in again.content.decode()
    assert services.grid_finding_to_report(actor=user, finding=finding).public_report == report
    assert Report.objects.count() == 1 and report.photos.count() == 1
    (audit,) = AuditEvent.objects.filter(action="grid_finding.report")
    assert audit.after is not None and audit.after["report"] == report.code
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).exists()

    # The county's staff page of the case says where it came from and links back to the finding.
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    staff = login(regulator).get(reverse("complaints:report_detail", args=[report.pk])).content.decode()
    assert "网格员上报" in staff and "来自网格员上报" in staff and "网格员 吴芳" in staff
    assert reverse("grid:finding_detail", args=[finding.pk]) in staff
    # ... and the finding page, for the regulator, links to the case's staff page.
    finding_page = login(regulator).get(reverse("grid:finding_detail", args=[finding.pk])).content.decode()
    assert reverse("complaints:report_detail", args=[report.pk]) in finding_page
    # The officer (no staff pages for reports) follows it like any reporter, by tracking code.
    officer_page = client.get(reverse("grid:finding_detail", args=[finding.pk])).content.decode()
    assert reverse("complaints_public:track", args=[report.code]) in officer_page


def test_the_public_sees_nothing_of_the_officer_or_the_finding(setup) -> None:
    user, _n, c1, _c3 = setup
    (finding,) = file_finding(user, c1, unlicensed())
    report = services.grid_finding_to_report(actor=user, finding=finding).public_report
    assert report is not None
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    complaints_services.report_accept(actor=regulator, report=report)
    public = Client()
    track = public.get(reverse("complaints_public:track", args=[report.code])).content.decode()
    assert report.display_code in track
    for private in ("网格员 吴芳", user.username, "网格员上报", "/grid/", c1.name, c1.code):
        assert private not in track
    # Open311's public list does not carry reports raised inside the platform.
    listed = public.get("/api/v1/public/open311/requests.json").json()
    assert report.code not in {r["service_request_id"] for r in listed}
    # The staff page of the case is not the officer's (no report handling for grid officers).
    assert login(user).get(reverse("complaints:report_detail", args=[report.pk])).status_code == 404


def test_another_officers_finding_is_404_and_nothing_is_made(setup) -> None:
    user, neighbour, _c1, c3 = setup
    (theirs,) = file_finding(neighbour, c3, services.FindingInput(kind=FindingKind.AD, description="小广告"))
    client = login(user)
    assert client.get(reverse("grid:finding_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("grid:finding_report", args=[theirs.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.grid_finding_to_report(actor=user, finding=theirs)
    # Another county's regulator does not reach it either.
    xf = RegulatorFactory.create(username="g_reg_xf", scope_code="410212")
    assert login(xf).post(reverse("grid:finding_report", args=[theirs.pk])).status_code == 404
    assert not Report.objects.exists()
    theirs.refresh_from_db()
    assert theirs.public_report_id is None


def test_an_officer_who_left_the_cell_can_no_longer_raise_a_case_from_it(setup) -> None:
    user, _n, c1, _c3 = setup
    (finding,) = file_finding(user, c1, unlicensed(photo=False))
    user.grid_assignments.update(end=timezone.localdate() - datetime.timedelta(days=1))
    assert login(user).post(reverse("grid:finding_report", args=[finding.pk])).status_code == 404
    assert not Report.objects.exists()


def test_a_bad_stored_photo_is_a_clear_error_and_no_case_is_made(setup) -> None:
    user, _n, c1, _c3 = setup
    (finding,) = file_finding(user, c1, unlicensed(photo=False))
    finding.photo.save("broken.jpg", ContentFile(b"\xff\xd8\xff not really a jpeg"), save=True)
    r = login(user).post(reverse("grid:finding_report", args=[finding.pk]), {"next": "finding"}, follow=True)
    assert r.status_code == 200
    assert "已损坏，无法读取" in r.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.grid_finding_to_report(actor=user, finding=finding)
    assert "photos" in refused.value.message_dict
    assert not Report.objects.exists()
    finding.refresh_from_db()
    assert finding.public_report_id is None


def test_category_institution_and_address_follow_the_finding(setup) -> None:
    user, _n, c1, _c3 = setup
    defiant = institution_in(c1, name="顶风培训学校", address="龙亭区书店街 8 号")
    against, ad = file_finding(
        user,
        c1,
        services.FindingInput(kind=FindingKind.AGAINST_ORDER, institution_id=defiant.pk, description="仍在上课"),
        services.FindingInput(kind=FindingKind.AD, description="公交站台“中考冲刺一对一”广告"),
    )
    a = services.grid_finding_to_report(actor=user, finding=against).public_report
    b = services.grid_finding_to_report(actor=user, finding=ad).public_report
    assert a is not None and b is not None
    assert (a.category, a.institution, a.address) == (Category.OTHER, defiant, "龙亭区书店街 8 号")
    # An ad seen in the street has no address of its own: the cell names the place.
    assert (b.category, b.institution, b.address) == (Category.ADS, None, "北书店街道北书店第1网格")


def test_a_finding_may_have_both_a_lead_and_a_case_checked_by_one_inspection(setup) -> None:
    user, _n, c1, _c3 = setup
    first, second = file_finding(user, c1, unlicensed(photo=False), unlicensed(photo=False))
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    # Lead first, then the case: accepting the case takes the lead as its check (no second inspection).
    first = services.grid_finding_to_lead(actor=user, finding=first)
    first = services.grid_finding_to_report(actor=user, finding=first)
    assert first.public_report is not None and first.inspection is not None
    accepted = complaints_services.report_accept(actor=regulator, report=first.public_report)
    assert accepted.inspection == first.inspection
    # Case first and accepted, then the lead: the finding takes the case's inspection.
    second = services.grid_finding_to_report(actor=user, finding=second)
    assert second.public_report is not None
    accepted = complaints_services.report_accept(actor=regulator, report=second.public_report)
    second = services.grid_finding_to_lead(actor=user, finding=second)
    assert second.inspection == accepted.inspection
    assert Inspection.objects.count() == 2
    page = login(user).get(reverse("grid:finding_detail", args=[second.pk])).content.decode()
    assert "已转为检查线索" in page and "已转为举报案件" in page


def test_the_report_page_offers_the_case_button_to_the_cells_officer_only(setup) -> None:
    user, neighbour, c1, _c3 = setup
    (finding,) = file_finding(user, c1, unlicensed(photo=False))
    page = login(user).get(reverse("grid:report_detail", args=[finding.report_id])).content.decode()
    assert 'data-testid="to-report"' in page and reverse("grid:finding_detail", args=[finding.pk]) in page
    assert login(neighbour).get(reverse("grid:report_detail", args=[finding.report_id])).status_code == 404
