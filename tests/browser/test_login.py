import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_regulator_logs_in_sees_chinese_dashboard_and_logs_out(page, live_server):
    RegulatorFactory(username="lt_edu", display_name="李敏")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "lt_edu")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    assert "工作台" in page.inner_text("[data-testid=dashboard-title]")
    assert "监管人员" in page.inner_text("[data-testid=dashboard-title]")
    screenshot(page, "dashboard-regulator")
    page.click("text=退出登录")
    page.wait_for_selector("[data-testid=logged-out]")
    assert "您已安全退出" in page.inner_text("[data-testid=logged-out]")
