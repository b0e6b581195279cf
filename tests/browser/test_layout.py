"""The layout a person sees: phone width, the language switch, the profile page."""

import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from tests.browser.test_login import login
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_phone_width_collapses_the_menu_and_the_toggler_opens_it(page, live_server):
    RegulatorFactory(username="lt_edu", display_name="李敏")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "lt_edu", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=dashboard-title]")

    toggler = page.locator("button.navbar-toggler")
    profile_link = page.locator("#mainNav >> text=个人设置")
    assert toggler.is_visible()
    assert not profile_link.is_visible()
    # Nothing is wider than the phone: no sideways scrolling on the dashboard.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "dashboard-phone")

    toggler.click()
    profile_link.wait_for(state="visible")
    page.wait_for_selector("#mainNav.show:not(.collapsing)")
    assert page.locator("[data-testid=whoami]").is_visible()
    screenshot(page, "dashboard-phone-menu")
    profile_link.click()
    page.wait_for_url("**/core/profile/")
    assert page.locator("h1").inner_text() == "个人设置"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "profile-phone")


def test_language_switch_to_english_and_back(page, live_server):
    RegulatorFactory(username="lt_edu", display_name="李敏")
    page.goto("/accounts/login/")
    switch = page.locator("[data-testid=language-switch]")
    # Each language is offered in its own name.
    assert switch.locator("button[value=zh-hans]").inner_text() == "简体中文"
    assert switch.locator("button[value=en]").inner_text() == "English"

    switch.locator("button[value=en]").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.locator("label[for=id_password]").inner_text() == "Password"
    screenshot(page, "login-en")

    page.fill("input[name=username]", "lt_edu")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    title = page.wait_for_selector("[data-testid=dashboard-title]")
    assert title.inner_text() == "Dashboard · Regulator"
    assert page.locator("text=Log out").is_visible()
    screenshot(page, "dashboard-en")

    page.locator("[data-testid=language-switch] button[value=zh-hans]").click()
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.inner_text("[data-testid=dashboard-title]") == "工作台 · 监管人员"


def test_profile_page_creates_a_token_shown_once(page, live_server):
    RegulatorFactory(username="lt_edu", display_name="李敏")
    login(page, "lt_edu", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto("/core/profile/")
    page.fill("input[name=name]", "机构管理系统对接")
    page.fill("input[name=days]", "30")
    page.click("text=创建令牌")
    secret = page.wait_for_selector("[data-testid=new-token] code").inner_text()
    assert len(secret) >= 20
    assert page.locator("table >> text=机构管理系统对接").is_visible()
    assert page.locator("table >> text=有效").is_visible()
    screenshot(page, "profile-token")

    # Reloading shows the list without the secret and issues no second token (the form redirected after posting).
    page.reload()
    assert page.locator("[data-testid=new-token]").count() == 0
    assert secret not in page.content()
    assert page.locator("table >> text=机构管理系统对接").count() == 1


def test_audit_log_and_not_found_pages(page, live_server):
    from shuangjian.core.audit import audit_record

    regulator = RegulatorFactory(username="lt_edu", display_name="李敏")
    audit_record(
        actor=regulator,
        action="institution.approve",
        object_type="registry.institution",
        object_id="7",
        division_code="410202",
        before={"status": "applying"},
        after={"status": "active"},
    )
    audit_record(
        actor=None, action="calendar.import", object_type="core.calendarday", object_id="2027", division_code="410202"
    )
    login(page, "lt_edu", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.click("nav >> text=系统")
    page.click("nav .dropdown-item >> text=审计日志")
    page.wait_for_selector("tbody >> text=准予办学")  # the action in words (institution.approve)
    assert page.locator("tbody tr").count() == 2
    assert page.locator("tbody >> text=系统").count() == 1, "an event without an actor is shown as the system"
    screenshot(page, "audit-list")

    page.goto("/core/no-such-page/")
    assert "页面不存在" in page.inner_text("[data-testid=not-found]")
    screenshot(page, "not-found")
    page.click("text=返回工作台")
    page.wait_for_selector("[data-testid=dashboard-title]")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_city_regulators_many_pages_sit_in_dropdown_groups(page, live_server, width):
    RegulatorFactory(username="lt_city", display_name="赵敏", scope_code="4102")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "lt_city", TEST_PASSWORD)
    page.wait_for_selector("[data-testid=dashboard-title]")
    if width < 992:
        page.locator("button.navbar-toggler").click()
        page.wait_for_selector("#mainNav.show:not(.collapsing)")
    groups = page.locator("[data-testid=nav-group] > a")
    assert groups.count() >= 6
    whitelist = page.locator("#mainNav .dropdown-item >> text=白名单")
    assert not whitelist.is_visible()
    page.locator("[data-testid=nav-group] > a >> text=机构与人员").click()
    whitelist.wait_for(state="visible")
    screenshot(page, f"menu-group-open-{width}")
    whitelist.click()
    page.wait_for_url("**/registry/lists/white/")
    # The page's group is marked, so a reader sees where they are with the menu closed.
    assert page.locator("[data-testid=nav-group] > a.active").inner_text() == "机构与人员"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"menu-whitelist-{width}")
