import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")


def test_regulator_logs_in_sees_chinese_dashboard_and_logs_out(page, live_server):
    RegulatorFactory(username="lt_edu", display_name="李敏")
    page.goto("/accounts/login/")
    screenshot(page, "login")
    page.fill("input[name=username]", "lt_edu")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    assert "工作台" in page.inner_text("[data-testid=dashboard-title]")
    assert "监管人员" in page.inner_text("[data-testid=dashboard-title]")
    screenshot(page, "dashboard-regulator")
    page.click("text=退出登录")
    page.wait_for_selector("[data-testid=logged-out]")
    assert "您已安全退出" in page.inner_text("[data-testid=logged-out]")


def test_wrong_password_shows_chinese_error_and_stays_on_login(page, live_server):
    RegulatorFactory(username="lt_edu")
    login(page, "lt_edu", "not-the-password")
    error = page.wait_for_selector("[data-testid=login-error]")
    assert "用户名或密码错误" in error.inner_text()
    assert page.url.endswith("/accounts/login/")
    assert page.input_value("input[name=username]") == "lt_edu"
    assert page.input_value("input[name=password]") == ""
    screenshot(page, "login-error")


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(page, live_server):
    RegulatorFactory(username="lt_edu")
    for attempt in range(1, 5):
        login(page, "lt_edu", f"wrong-{attempt}")
        page.wait_for_selector("[data-testid=login-error]")
    login(page, "lt_edu", "wrong-5")
    locked = page.wait_for_selector("[data-testid=locked-out]")
    assert "账号已暂时锁定" in locked.inner_text()
    assert "30 分钟" in locked.inner_text()
    screenshot(page, "locked-out")

    login(page, "lt_edu", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=locked-out]")
    assert page.locator("[data-testid=dashboard-title]").count() == 0
    page.goto("/")
    # Without a session the front door is the public portal, not the workbench.
    assert page.url.endswith("/public/"), "the locked account must not have a session"


def test_lockout_is_per_account_a_colleague_still_signs_in(page, live_server):
    RegulatorFactory(username="lt_edu")
    RegulatorFactory(username="lt_sports")
    for attempt in range(5):
        login(page, "lt_edu", f"wrong-{attempt}")
    page.wait_for_selector("[data-testid=locked-out]")
    login(page, "lt_sports", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=dashboard-title]")


def open_menu(page, label: str) -> None:
    """Click a page in the top menu the way a person does: open its group's dropdown first when it sits in one."""
    link = page.locator("#mainNav a.nav-link, #mainNav a.dropdown-item").filter(has_text=label).first
    if not link.is_visible():
        toggler = page.locator("button.navbar-toggler")
        if toggler.is_visible():
            toggler.click()
            page.wait_for_selector("#mainNav.show:not(.collapsing)")
    if not link.is_visible():
        link.locator("xpath=ancestor::li[contains(@class, 'dropdown')]/a[contains(@class, 'dropdown-toggle')]").click()
    link.click()
