"""The whole path of a report, as a reporter and as staff see it."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from shuangjian.complaints import services, tasks
from shuangjian.complaints.models import Level, Report, ReportStatus
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.enforcement.inspections import ItemInput, expected_items, inspection_submit
from shuangjian.enforcement.models import InspectionKind, InspectionSource, InspectionStatus, ItemResult
from shuangjian.registry.tests.factories import InstitutionFactory

from .factories import ReportFactory, jpeg

S = ReportStatus
pytestmark = pytest.mark.django_db


def _file(client: Client, **extra: Any) -> Any:
    data = {
        "category": "unlicensed",
        "institution_name": "阳光补习班",
        "address": "开封市龙亭区北道门街 12 号",
        "description": "周末给初中生上数学课。",
        "phone": "13912345678",
        **extra,
    }
    return client.post(reverse("complaints_public:form"), data)


def _staff(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_anonymous_report_with_photos_is_tracked_checked_answered_and_rated(people: dict[str, Any]) -> None:
    public = Client()
    resp = _file(public, photos=[jpeg("a.jpg"), jpeg("b.png", color="blue")])
    assert resp.status_code == 302
    report = Report.objects.get()
    assert resp["Location"] == reverse("complaints_public:track", kwargs={"code": report.code})
    assert report.division_code == "410202"  # resolved from 龙亭区 in the address
    assert report.photos.count() == 2 and report.reporter is None
    page = public.get(resp["Location"]).content.decode()
    assert report.display_code in page and "13912345678" not in page and "已收到举报" in page

    staff = _staff(people["regulator"])

    def act(action: str, **data: Any) -> None:
        staff.post(reverse("complaints:report_act", args=[report.pk, action]), data)
        report.refresh_from_db()

    act("accept")
    assert report.status == S.ACCEPTED and report.inspection is not None
    insp = report.inspection
    assert (insp.kind, insp.source, insp.source_ref) == (InspectionKind.REPORT, InspectionSource.REPORT, report.code)
    act("assign")
    assert report.status == S.ASSIGNED and report.department == "education"
    act("dispatch", inspectors=[people["inspector"].pk])
    assert report.status == S.DISPATCHED and list(insp.inspectors.all()) == [people["inspector"]]
    act("check")
    assert report.status == S.DISPATCHED  # the inspection is not done yet: refused
    insp.status = InspectionStatus.DONE
    insp.save()
    act("check")
    assert report.status == S.CHECKED
    act("answer", answer="经核查，该场所已停止培训并立案调查。")
    assert report.status == S.ANSWERED
    act("close")
    assert report.status == S.CLOSED

    page = public.get(reverse("complaints_public:track", kwargs={"code": report.code})).content.decode()
    assert "已停止培训" in page and "已办结" in page and people["regulator"].display_name not in page
    public.post(reverse("complaints_public:track_rate", kwargs={"code": report.code}), {"rating": "5"})
    report.refresh_from_db()
    assert report.rating == 5
    # The tracking code is typed with spaces and in lower case, as read over the phone.
    spoken = f"{report.code[:5].lower()} {report.code[5:]}"
    assert public.get(reverse("complaints_public:lookup"), {"code": spoken}).status_code == 302


def test_dispute_reopens_one_level_up_once(people: dict[str, Any]) -> None:
    report = ReportFactory.create(status=S.ANSWERED, answer="已处理", acknowledged_at=timezone.now())
    public = Client()
    url = reverse("complaints_public:track_dispute", kwargs={"code": report.code})
    public.post(url, {"reason": "培训仍在继续"})
    report.refresh_from_db()
    assert report.status == S.ASSIGNED and report.level == Level.CITY and report.disputed_at
    report.status = S.ANSWERED
    report.save()
    public.post(url, {"reason": "again"})
    report.refresh_from_db()
    assert report.status == S.ANSWERED  # only once


def test_overdue_report_escalates_to_the_city_with_a_mark(people: dict[str, Any]) -> None:
    report = ReportFactory.create(due_on=datetime.date(2026, 1, 5))
    fresh = ReportFactory.create(due_on=timezone.localdate() + datetime.timedelta(days=3))
    result = tasks.reports_nightly_task()
    assert result["escalated"] == 1
    report.refresh_from_db()
    fresh.refresh_from_db()
    assert report.level == Level.CITY and report.escalated_at and fresh.level == Level.COUNTY
    page = _staff(people["city"]).get(reverse("complaints:report_list")).content.decode()
    assert page.count('data-testid="overdue"') == 1 and 'data-testid="escalated"' in page


def test_closing_without_a_check_is_refused(people: dict[str, Any]) -> None:
    report = ReportFactory.create(status=S.ANSWERED, acknowledged_at=timezone.now())
    with pytest.raises(services.ValidationError) as err:
        services.report_close(actor=people["regulator"], report=report)
    assert err.value.code == "check_missing"
    report.refresh_from_db()
    assert report.status == S.ANSWERED
    report.no_check_reason = "场所已拆除，无法检查。"
    report.save()
    services.report_close(actor=people["regulator"], report=report)


def test_nightly_job_finds_a_forced_orphan(people: dict[str, Any]) -> None:
    orphan = ReportFactory.create(status=S.ASSIGNED, acknowledged_at=timezone.now())
    ReportFactory.create(status=S.NEW)
    assert tasks.reports_nightly_task()["orphans"] == [orphan.code]


def test_refused_report_shows_the_reason(people: dict[str, Any]) -> None:
    report = ReportFactory.create()
    services.report_refuse(actor=people["regulator"], report=report, reason="不属于校外培训监管范围")
    page = Client().get(reverse("complaints_public:track", kwargs={"code": report.code})).content.decode()
    assert "不属于校外培训监管范围" in page and "不予受理" in page


def test_duplicates_suggested_and_merged_reporters_follow_the_primary(people: dict[str, Any]) -> None:
    inst = InstitutionFactory.create()
    primary = ReportFactory.create(institution=inst, category="fees")
    dup = ReportFactory.create(institution=inst, category="fees")
    ReportFactory.create(institution=inst, category="ads")  # another category: not a duplicate
    assert list(services.duplicates_for(dup)) == [primary]
    services.report_merge(actor=people["regulator"], report=dup, primary=primary)
    services.report_accept(actor=people["regulator"], report=primary)
    page = Client().get(reverse("complaints_public:track", kwargs={"code": dup.code})).content.decode()
    assert primary.display_code in page and "已受理" in page


def test_another_countys_regulator_gets_404(people: dict[str, Any]) -> None:
    report = ReportFactory.create()
    other = _staff(people["other"])
    assert other.get(reverse("complaints:report_detail", args=[report.pk])).status_code == 404
    assert other.post(reverse("complaints:report_act", args=[report.pk, "accept"])).status_code == 404
    assert _staff(people["city"]).get(reverse("complaints:report_detail", args=[report.pk])).status_code == 200


def test_tracking_page_leaks_nothing_private(people: dict[str, Any]) -> None:
    report = ReportFactory.create(phone="13700001111", recorded_by=people["regulator"])
    services.report_accept(actor=people["regulator"], report=report)
    page = Client().get(reverse("complaints_public:track", kwargs={"code": report.code})).content.decode()
    assert "13700001111" not in page and "c_reg" not in page and people["regulator"].display_name not in page
    assert Client().get("/public/reports/track/AAAAA-AAAAA/").status_code == 404


def test_staff_record_a_hotline_report(people: dict[str, Any]) -> None:
    resp = _staff(people["regulator"]).post(
        reverse("complaints:report_new"),
        {"channel": "hotline", "category": "teacher", "address": "龙亭区某小区", "description": "在职教师有偿补课"},
    )
    assert resp.status_code == 302
    report = Report.objects.get()
    assert report.channel == "hotline" and report.recorded_by == people["regulator"]


def test_statistics_pages_and_export(people: dict[str, Any]) -> None:
    ReportFactory.create_batch(3)
    staff = _staff(people["regulator"])
    # The figures read every report: the first visit starts computing them in the background and says so (the
    # job runs when the request's transaction commits), then the page shows them.
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = staff.get(reverse("complaints:statistics"))
    assert first.status_code == 200 and 'data-testid="stats-computing"' in first.content.decode()
    page = staff.get(reverse("complaints:statistics")).content.decode()
    assert re.search(r'data-testid="total">3<', page) and 'data-testid="stats-computed"' in page
    ReportFactory.create()
    assert re.search(r'data-testid="total">3<', staff.get(reverse("complaints:statistics")).content.decode())
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff.get(reverse("complaints:statistics"), {"refresh": "1"})
    assert re.search(r'data-testid="total">4<', staff.get(reverse("complaints:statistics")).content.decode())
    xlsx = export_download(staff, reverse("complaints:statistics"), {"export": "xlsx"})
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    with TestCase.captureOnCommitCallbacks(execute=True):  # the public figures are computed in the background
        Client().get(reverse("complaints_public:statistics"))
    page = Client().get(reverse("complaints_public:statistics")).content.decode()
    assert re.search(r'data-testid="total">4<', page) and "13800000000" not in page


def test_disputed_report_is_rechecked_by_the_city(people: dict[str, Any]) -> None:
    report = ReportFactory.create()
    reg, city = people["regulator"], people["city"]
    services.report_accept(actor=reg, report=report)
    services.report_assign(actor=reg, report=report)
    services.report_dispatch(actor=reg, report=Report.objects.get(pk=report.pk), inspectors=[people["inspector"]])
    report.refresh_from_db()
    first = report.inspection
    assert first is not None
    first.status, first.completed_at = InspectionStatus.DONE, timezone.now()
    first.save()
    services.report_check(actor=reg, report=report)
    services.report_answer(actor=reg, report=Report.objects.get(pk=report.pk), answer="已查处")
    services.report_dispute(report=Report.objects.get(pk=report.pk), reason="仍在上课")
    report = Report.objects.get(pk=report.pk)
    assert report.level == Level.CITY and report.status == S.ASSIGNED and not services.check_done(report)
    assert services.reports_without_check().count() == 0
    services.report_dispatch(actor=city, report=report, inspectors=[people["inspector"]])
    report = Report.objects.get(pk=report.pk)
    assert report.inspection is not None and report.inspection != first
    assert report.inspection.kind == InspectionKind.RECHECK
    with pytest.raises(services.ValidationError):
        services.report_check(actor=city, report=report)


def test_a_finished_inspection_checks_its_report_at_once(people: dict[str, Any]) -> None:
    _file(Client())
    report = Report.objects.get()
    staff = _staff(people["regulator"])
    for action, data in (("accept", {}), ("assign", {}), ("dispatch", {"inspectors": [people["inspector"].pk]})):
        staff.post(reverse("complaints:report_act", args=[report.pk, action]), data)
    report.refresh_from_db()
    assert report.status == S.DISPATCHED
    insp = report.inspection
    assert insp is not None
    items = [
        ItemInput(code=i.code, result=ItemResult.NOT_APPLICABLE)
        for i in expected_items(insp, unlicensed=insp.subject_kind == "unlicensed")
    ]
    inspection_submit(
        actor=people["inspector"],
        client_uuid=uuid.uuid4(),
        items=items,
        planned=insp,
        inspector_signatures="检查员",
        party_refused=True,
    )
    report.refresh_from_db()
    assert report.status == S.CHECKED and report.checked_at is not None  # no nightly job needed
