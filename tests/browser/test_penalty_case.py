"""A penalty case from filing to publication in the browser: the county's education regulator files it, works it
through the buttons of the procedure table, and publishes the decision; the public reads it on a phone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from shuangjian.core.models import Department
from shuangjian.core.tests.factories import TEST_PASSWORD, DivisionFactory, RegulatorFactory
from shuangjian.enforcement.models import CaseStage, PenaltyCase
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


def act(page, action: str) -> None:
    page.click(f"[data-testid=act-{action}]")
    page.wait_for_selector("[data-testid=case-stage]")


def test_case_from_filing_to_the_exposure_board(page):
    DivisionFactory.create(code="410202", name="龙亭区")
    inst = InstitutionFactory.create(name="龙亭区浏览器测试培训学校")
    RegulatorFactory.create(username="lt_case_reg", scope_code="410202", department=Department.EDUCATION)
    sign_in(page, "lt_case_reg")

    open_menu(page, "处罚案件")
    page.click("[data-testid=case-new]")
    page.select_option("select[name=institution]", str(inst.pk))
    page.select_option("select[name=violation]", "unlicensed")
    page.fill("input[name=illegal_income]", "13800")
    page.fill("input[name=act_on]", (timezone.localdate() - datetime.timedelta(days=30)).isoformat())
    page.fill("textarea[name=facts]", "未取得办学许可证，在居民楼开展初中数学培训。")
    page.click("form button.btn-primary")
    page.wait_for_selector("[data-testid=calculator]")
    assert "第十七条" in page.inner_text("[data-testid=calculator]")
    screenshot(page, "cases-filed")

    act(page, "investigate")
    page.click("[data-testid=propose-form] button")  # the calculator's proposal, unchanged
    page.wait_for_selector("[data-testid=issue-notice]")
    page.click("[data-testid=issue-notice]")
    page.wait_for_selector("[data-testid=act-notify]")
    act(page, "notify")
    assert "已事先告知" in page.inner_text("[data-testid=case-stage]")
    # Deciding at once is refused: the defence period is running.
    act(page, "decide")
    assert "陈述申辩期" in page.inner_text("body")

    # Twelve days pass (the defence and hearing-request periods are over).
    case = PenaltyCase.objects.get()
    back = datetime.timedelta(days=12)
    PenaltyCase.objects.filter(pk=case.pk).update(
        filed_on=case.filed_on - back, notified_on=case.notified_on - back, decide_by=case.decide_by - back
    )
    page.reload()
    act(page, "decide")
    assert "已作出决定" in page.inner_text("[data-testid=case-stage]")
    act(page, "serve")
    assert "已送达" in page.inner_text("[data-testid=case-stage]")
    assert "行政处罚决定书" in page.inner_text("[data-testid=case-docs]")
    page.fill("[data-testid=publish-form] textarea", "未取得办学许可擅自开展学科类培训，违法所得1.38万元。")
    page.click("[data-testid=publish-form] button")
    page.wait_for_selector("[data-testid=case-stage]")
    screenshot(page, "cases-detail")
    case.refresh_from_db()
    assert case.stage == CaseStage.SERVED and case.published_on == timezone.localdate()

    open_menu(page, "处罚案件")
    page.wait_for_selector("table")
    screenshot(page, "cases-list")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/exposure/")
    page.wait_for_selector("[data-testid=exposure-case]")
    board = page.inner_text("main")
    assert inst.name in board and inst.uscc in board and "1.38万元" in board
    assert inst.legal_rep_id not in board
    screenshot(page, "cases-exposure-phone")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert wide == [], wide
    page.click(f"text={inst.name}")
    page.wait_for_selector("h1")
    assert case.decision_number in page.inner_text("main")
    screenshot(page, "cases-portal-institution-phone")
