"""The portal's home and an announcement on a phone: every section is there, nothing overflows sideways."""

from __future__ import annotations

import pytest

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.portal import services
from shuangjian.portal.models import ArticleKind
from shuangjian.portal.tests.factories import ReportContactFactory
from shuangjian.registry.tests.helpers import divisions
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

OVERFLOW = (
    "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
    ".map(e => e.tagName + '.' + e.className)"
)


def test_phone_home_and_announcement(page):
    divisions()
    regulator = RegulatorFactory.create(username="lt_edu_b", scope_code="410202")
    article = services.article_create(
        actor=regulator,
        kind=ArticleKind.NOTICE,
        title="致家长朋友们的温馨提醒",
        source="龙亭区教育局",
        body="<p>报名前请查一查机构是否取得办学许可证。</p>"
        "<table><tr><td>很长的表格单元格内容很长的表格单元格内容</td><td>第二列第二列第二列第二列第二列</td>"
        "<td>第三列第三列第三列第三列第三列</td></tr></table>"
        "<p>https://jyj.kaifeng.gov.cn/a/very/long/address/that/does/not/break/naturally/anywhere/at/all</p>",
    )
    services.article_publish(actor=regulator, article=article)
    ReportContactFactory.create(division_code="410202", hotline="0371-2356 0000", email="ltjubao@example.cn")
    ReportContactFactory.create(division_code="4102", hotline="0371-12345", email="jubao@example.cn")
    ReportContactFactory.create(division_code="410212", hotline="0371-2396 0000", email="xfjubao@example.cn")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/?county=410202")
    for kind in ("notice", "policy", "news", "bulletin", "report"):
        assert page.locator(f"[data-section={kind}]").is_visible(), kind
    assert "0371-2356 0000" in page.inner_text("[data-section=report]")
    assert page.locator("[data-entry=whitelist]").get_attribute("href") == "/public/whitelist/"
    assert page.evaluate(OVERFLOW) == []
    screenshot(page, "portal-home-phone")
    page.screenshot(path="/tmp/portalcms-home-390.png", full_page=True)

    # The county picker narrows the page without a button (data-autosubmit).
    page.select_option("#county", "410212")
    page.wait_for_url("**county=410212")
    assert "致家长朋友们的温馨提醒" not in page.inner_text("[data-section=notice]")
    page.select_option("#county", "410202")
    page.wait_for_url("**county=410202")

    page.click("text=致家长朋友们的温馨提醒")
    page.wait_for_selector("[data-testid=article-body]")
    assert page.inner_text("h1") == "致家长朋友们的温馨提醒"
    assert page.evaluate(OVERFLOW) == []
    screenshot(page, "portal-article-phone")
    page.screenshot(path="/tmp/portalcms-article-390.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/public/")
    page.screenshot(path="/tmp/portalcms-home-1280.png", full_page=True)
