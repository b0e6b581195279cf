"""An institution operator enrols a pupil (a refused write first), then records attendance for a past session."""

import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD
from shuangjian.students.models import Attendance, Enrolment
from shuangjian.students.tests.factories import (
    ClassGroupFactory,
    CourseFactory,
    EnrolmentFactory,
    OperatorFactory,
    SessionFactory,
    at,
    resident_id,
)
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_operator_enrols_and_records_attendance(page, live_server):
    operator = OperatorFactory.create(username="op")
    course = CourseFactory.create(institution=operator.operated.institution, name="初中数学")
    group = ClassGroupFactory.create(course=course, name="周六上午班", capacity=10)
    roll = EnrolmentFactory.create(class_group=group, student__name="赵一")
    session = SessionFactory.create(class_group=group, starts_at=at(-1, 9), ends_at=at(-1, 10))
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "op")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")

    page.goto("/students/enrolments/new/")
    page.fill("#id_name", "钱二")
    page.fill("#id_resident_id", resident_id(5))
    page.select_option("#id_class_group", str(group.pk))
    page.fill("#id_start_date", "2026-12-01")
    page.fill("#id_end_date", "2027-01-31")
    page.fill("#id_lessons_bought", "10")
    page.fill("#id_price_per_lesson", "99")
    page.click("text=登记报名并生成合同")
    page.wait_for_selector("text=高于课程备案价格")
    screenshot(page, "operator-enrolment-refused")
    assert Enrolment.objects.count() == 1

    page.fill("#id_price_per_lesson", "80")
    page.click("text=登记报名并生成合同")
    page.wait_for_selector("[data-testid=contract-no]")
    assert "待家长在线确认" in page.content()
    assert Enrolment.objects.count() == 2

    page.goto("/students/enrolments/")
    assert "钱二" in page.content() and "赵一" in page.content()
    screenshot(page, "operator-enrolment-list")

    page.goto("/students/attendance/")
    page.click("text=记录考勤")
    page.check(f"input[value='{roll.pk}']")
    page.click("text=保存考勤")
    page.wait_for_selector("text=考勤已保存")
    screenshot(page, "operator-attendance")
    assert Attendance.objects.get(session=session, enrolment=roll).present
