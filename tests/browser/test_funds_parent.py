"""A parent confirms a lesson in the browser (phone width): the lesson's price moves to the institution."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from shuangjian.core.tests.factories import TEST_PASSWORD, UserFactory
from shuangjian.courses.models import Session
from shuangjian.funds import ledger, release
from shuangjian.funds.models import ConsumptionStatus
from shuangjian.funds.tests.factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, parent_of
from shuangjian.students.models import Attendance
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_parent_confirms_a_lesson(page: Any, live_server: Any) -> None:
    bank = BankFactory.create()
    enrolment = EnrolmentFactory.create(student__name="李小明", class_group__course__name="少儿美术")
    CustodyAccountFactory.create(institution=enrolment.institution, bank=bank)
    ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=50_000, bank=bank)
    parent = parent_of(enrolment)
    starts = timezone.now() - datetime.timedelta(days=1)
    requests = []
    for hours in (0, 2):
        session = Session.objects.create(
            class_group=enrolment.class_group,
            starts_at=starts + datetime.timedelta(hours=hours),
            ends_at=starts + datetime.timedelta(hours=hours, minutes=45),
            division_code=enrolment.division_code,
        )
        attendance = Attendance.objects.create(
            session=session, enrolment=enrolment, recorded_by=UserFactory.create(), division_code="410202"
        )
        request = release.consumption_request_create_for_attendance(attendance)
        assert request is not None
        requests.append(request)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.fill("input[name=username]", parent.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto("/funds/my/")
    first = requests[0]
    assert "李小明" in page.inner_text(f"[data-testid=pending-{first.pk}]")
    page.click(f"[data-testid=pending-{first.pk}] button.btn-success")
    page.wait_for_selector(".alert-success")
    assert "已确认消课" in page.inner_text(".alert-success")
    assert page.locator(f"[data-testid=pending-{first.pk}]").count() == 0
    screenshot(page, "funds-parent-confirmed")
    first.refresh_from_db()
    assert first.status == ConsumptionStatus.CONFIRMED
    assert ledger.account_institution_settled(enrolment.institution).balance_fen == 10_000
