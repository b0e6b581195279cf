"""After-school service and pledges as people use them: a teacher signs a pledge from the school's link on a
phone (no account), the school sees who has not signed, the school's 5+2 page and the regulator's coverage."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from shuangjian.registry.tests.factories import InstitutionFactory
from shuangjian.schools import afterschool, teachers
from shuangjian.schools.models import InServiceCase, Pledge, SchoolKind, SignedVia
from shuangjian.schools.services import roster_upload
from shuangjian.staff.tests.factories import SchoolAdminUserFactory, SchoolFactory, rid, roster_file, school_of
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def shot(page: Any, name: str) -> None:
    screenshot(page, f"afterschool-{name}")
    page.screenshot(path=f"/tmp/afterschool-{name}.png", full_page=True)


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth <= 1"))


def test_teacher_signs_a_pledge_from_the_link_on_a_phone(page: Any, live_server: Any) -> None:
    admin = SchoolAdminUserFactory.create(username="school_p")
    school = school_of(admin)
    roster_upload(actor=admin, school=school, file=roster_file([("王建国", rid(31)), ("李红", rid(32))]))
    teachers.pledges_prepare(actor=admin, school=school, year=timezone.localdate().year)
    pledge = Pledge.objects.get(name="王建国")
    link = f"/schools/pledge/{teachers.pledge_token(pledge)}/"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    assert "王建国" in page.inner_text("[data-testid=pledge-text]")
    page.fill("input[name=name]", "王建国")
    page.fill("input[name=id_last4]", "0000" if not rid(31).endswith("0000") else "1111")
    page.click("[data-testid=sign]")
    page.wait_for_selector("[data-testid=sign-error]")
    assert not Pledge.objects.get(pk=pledge.pk).is_signed
    page.fill("input[name=id_last4]", rid(31)[-4:])
    assert no_sideways_scroll(page)
    shot(page, "pledge-sign-phone")
    page.click("[data-testid=sign]")
    page.wait_for_selector("[data-testid=signed]")
    shot(page, "pledge-signed-phone")
    pledge.refresh_from_db()
    assert pledge.signed_via == SignedVia.ONLINE and pledge.signed_ip_hash

    # The school sees who has not signed yet.
    sign_in(page, "school_p")
    page.goto("/schools/pledges/")
    assert "1 人尚未签署" in page.inner_text("[data-testid=unsigned-count]")
    rows = page.inner_text("[data-testid=pledges]")
    assert "李红" in rows and "线上签署" in rows
    shot(page, "pledge-list-phone")


def test_school_and_regulator_pages(page: Any, live_server: Any) -> None:
    admin = SchoolAdminUserFactory.create(username="school_a")
    school = school_of(admin)
    other = SchoolFactory.create(name="龙亭区北道门小学", kind=SchoolKind.PRIMARY)
    RegulatorFactory.create(username="lt_edu_a")
    term = afterschool.current_term()
    afterschool.plan_save(
        actor=admin,
        school=school,
        term=term,
        days_per_week=5,
        minutes_per_day=120,
        activities="作业辅导、体育、艺术",
        teachers="本校教师 12 名",
    )
    for grade, fee in ((1, 6000), (2, 9000)):
        afterschool.class_save(
            actor=admin,
            school=school,
            term=term,
            row=afterschool.ClassRow(grade, f"{grade}年级1班", 45, 40, 38, fee),
        )
    from shuangjian.schools.models import ServicePlan

    ServicePlan.objects.create(
        school=other, term=term, days_per_week=4, minutes_per_day=120, division_code=other.division_code
    )
    InServiceCase.objects.create(
        school=school,
        resident_id=rid(33),
        teacher_name="周老师",
        institution=InstitutionFactory.create(name="开封英才培训学校"),
        detail="周老师 在本校在职教师名单中，同时在 开封英才培训学校 任职。",
        answer_due=timezone.localdate() + datetime.timedelta(days=7),
        division_code=school.division_code,
    )

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "school_a")
    page.goto("/schools/afterschool/")
    assert "超过上限" in page.inner_text("[data-testid=classes]")
    assert no_sideways_scroll(page)
    shot(page, "school-phone")
    page.goto("/schools/cases/")
    page.click("text=周老师")
    page.fill("textarea[name=answer]", "已约谈该教师，本人承认并已辞去机构职务。")
    page.click("[data-testid=answer]")
    page.wait_for_selector("text=学校已说明")
    shot(page, "case-phone")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "lt_edu_a")
    page.goto("/schools/afterschool/coverage/")
    page.wait_for_selector("#coverage-chart canvas")
    assert "龙亭区北道门小学" in page.inner_text("[data-testid=short]")
    assert "2年级1班" in page.inner_text("[data-testid=over-cap]")
    shot(page, "coverage")
