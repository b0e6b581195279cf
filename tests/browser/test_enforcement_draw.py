"""A random-inspection draw in the browser: the county's education regulator makes a plan, publishes the seed's
hash, draws and publishes; a citizen on a phone opens the public page and sees the replay check agree."""

import pytest

from shuangjian.core.models import Department, Role
from shuangjian.core.tests.factories import TEST_PASSWORD, DivisionFactory, RegulatorFactory, UserFactory
from shuangjian.enforcement.models import Draw, Inspection
from shuangjian.registry.tests.factories import InstitutionFactory
from tests.browser.test_login import open_menu
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def test_a_draw_is_made_published_and_checked_by_anyone(page, live_server):
    DivisionFactory.create(code="410202", name="龙亭区")
    RegulatorFactory.create(username="lt_draw_reg", scope_code="410202")
    for n in range(3):
        UserFactory.create(
            username=f"lt_draw_insp{n}",
            display_name=f"执法员{n}",
            role=Role.INSPECTOR,
            department=Department.EDUCATION,
            scope_code="410202",
        )
    for _ in range(6):
        InstitutionFactory.create()

    sign_in(page, "lt_draw_reg")
    open_menu(page, "抽查计划")
    page.fill("input[name=name]", "浏览器测试抽查计划")
    page.fill("input[name=sample_size]", "3")
    page.click("form button.btn-primary")
    page.wait_for_selector("text=已制定抽查计划")
    page.click("text=生成种子并公示哈希 >> nth=0")
    page.wait_for_selector("text=已生成随机种子")
    draw = Draw.objects.get()
    assert draw.seed_sha256 in page.inner_text("body") and draw.seed not in page.inner_text("body")
    page.goto(f"/enforcement/draws/{draw.pk}/")
    page.click("form button:has-text('抽取')")
    page.wait_for_selector("text=检查任务已派发")
    assert Inspection.objects.filter(kind="random").count() == 3
    page.click("text=公布结果与种子")
    page.wait_for_selector("text=已公布抽取结果")
    screenshot(page, "enforcement-draw-detail")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/enforcement/public/draws/")
    page.click("text=浏览器测试抽查计划")
    check = page.inner_text("[data-testid=replay-check]")
    assert "复核一致" in check
    draw.refresh_from_db()
    assert draw.seed in page.inner_text("body")
    screenshot(page, "enforcement-public-draw-phone")
