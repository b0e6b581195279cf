"""An operator schedules an offline class ending at 20:45 and sees the refusal in Chinese with its basis."""

import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD
from shuangjian.courses.models import Session
from shuangjian.courses.tests.factories import ClassGroupFactory, operator_with_institution
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_operator_sees_chinese_refusal_for_a_session_ending_at_2045(page, live_server):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution, course__name="初二数学提高", name="周三晚班")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")

    page.goto(f"/courses/groups/{group.pk}/")
    form = page.locator("[data-testid=session-form]")
    form.locator("input[name=s-date]").fill("2026-03-04")
    form.locator("input[name=s-start_time]").fill("19:00")
    form.locator("input[name=s-end_time]").fill("20:45")
    form.locator("button[type=submit]").click()

    refusal = page.wait_for_selector("[data-testid=violations]")
    text = refusal.inner_text()
    assert "不符合规定，未保存" in text
    assert "线下培训结束时间不得晚于 20:30" in text and "20:45" in text
    assert "依据" in text and "第十三条" in text
    screenshot(page, "courses-session-refused")
    assert Session.objects.count() == 0

    # The same form with 20:30 is accepted and the session is listed.
    form = page.locator("[data-testid=session-form]")
    form.locator("input[name=s-end_time]").fill("20:30")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=课次已添加")
    assert "19:00–20:30" in page.inner_text("main")
    assert Session.objects.count() == 1
