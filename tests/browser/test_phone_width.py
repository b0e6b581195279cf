"""At phone width (390 px) the login page and the public lists fit the screen: no sideways page scroll, and the
lists become one card per institution with each value labelled."""

import datetime

import pytest

from shuangjian.core.models import Department
from shuangjian.core.tests.factories import PlatformAdminFactory
from shuangjian.registry.models import BlacklistEntry
from shuangjian.registry.tests.factories import InstitutionFactory
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.fixture
def listed(transactional_db):
    listed = InstitutionFactory(name="开封市龙亭区特别长名称的某某教育科技培训学校（第一百四十七号）")
    BlacklistEntry.objects.create(
        institution=listed,
        reason="违规开展学科类培训且拒不整改，预收费超过三个月，存在卷款风险，经多次约谈仍未改正",
        legal_basis="《校外培训行政处罚暂行办法》（教育部令第53号）第十五条",
        start=datetime.date(2026, 9, 1),
        publisher=PlatformAdminFactory(),
        department=Department.EDUCATION,
        division_code="410202",
    )
    InstitutionFactory(name="开封市龙亭区启航培训学校")
    return listed


def test_login_page_fits_a_phone(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    assert page.locator("input[name=username]").is_visible()
    assert page_width(page) <= 390
    screenshot(page, "login-phone")


@pytest.mark.parametrize("path", ["/public/whitelist/", "/public/blacklist/", "/public/search/?q=开封市龙亭区"])
def test_public_lists_fit_a_phone(page, live_server, listed, path):
    page.set_viewport_size(PHONE)
    page.goto(path)
    page.wait_for_selector("main")
    assert page_width(page) <= 390
    screenshot(page, "phone" + path.replace("/", "-").split("?")[0].rstrip("-"))


def test_blacklist_rows_become_labelled_cards_on_a_phone(page, live_server, listed):
    page.set_viewport_size(PHONE)
    page.goto("/public/blacklist/")
    row = page.locator("[data-testid=public-list] tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    # The reason is one readable block as wide as the card, not a column of one character per line.
    reason = row.locator("td[data-label]").nth(1)
    assert reason.evaluate("td => td.getBoundingClientRect().width") > 300
    label = reason.evaluate("td => getComputedStyle(td, '::before').content")
    assert "列入原因" in label
    assert page_width(page) <= 390

    # At desktop width the same list is a table again.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
