"""Competitions in the browser: a parent at phone width types the number printed on a flyer and reads whether the
competition is on the published list; the county's education regulator approves a filing on its review page."""

from __future__ import annotations

import shutil

import pytest

from shuangjian.competitions import services
from shuangjian.competitions.tests.factories import data, education_regulator
from shuangjian.core.tests.factories import TEST_PASSWORD
from shuangjian.registry.tests.helpers import divisions
from tests.browser.test_login import open_menu
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def keep(page, name: str) -> None:
    """A screenshot under var/screenshots/ and a copy under /tmp for the reviewer."""
    shutil.copy(screenshot(page, name), f"/tmp/{name}.png")


def no_sideways_overflow(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className)"
    )


def test_a_parent_looks_a_competition_up_by_the_number_on_a_flyer(page):
    divisions()
    reg = education_regulator()
    c = services.competition_create(
        actor=reg, data=data(name="龙亭区青少年机器人创意赛", places="龙亭区青少年宫（中山路88号）"), submit=True
    )
    c = services.competition_publish(actor=reg, competition=services.competition_approve(actor=reg, competition=c))
    assert c.filing_no is not None
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/")
    page.click("text=竞赛查询")
    # Typed as a parent would off the flyer: lower case, spaces instead of dashes.
    page.fill("#q", c.filing_no.lower().replace("-", " "))
    page.click("[data-testid=lookup]")
    page.wait_for_selector("[data-testid=answer]")
    assert page.get_attribute("[data-testid=answer]", "data-on-list") == "yes"
    assert "在公布名单上" in page.inner_text("[data-testid=answer]")
    result = page.inner_text("[data-testid=result]")
    assert c.filing_no in result and "开封市龙亭区青少年科技教育协会" in result and "2026-05-16" in result
    assert no_sideways_overflow(page) == []
    keep(page, "competitions-public-on-list-phone")
    # A number that is not on the list: a clear no, and how to report it.
    page.fill("#q", "JS-410202-2026-9999")
    page.click("[data-testid=lookup]")
    page.wait_for_selector("[data-testid=answer][data-on-list=no]")
    assert "举报" in page.inner_text("[data-testid=hint]")
    assert no_sideways_overflow(page) == []
    keep(page, "competitions-public-not-found-phone")


def test_the_regulator_approves_and_publishes_on_the_review_page(page):
    divisions()
    reg = education_regulator(username="lt_comp_reg")
    c = services.competition_create(actor=reg, data=data(name="龙亭区中小学生经典诵读展示活动"), submit=True)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", reg.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    open_menu(page, "竞赛活动备案")
    page.click(f"text={c.name}")
    page.wait_for_selector("[data-testid=act-approve]")
    keep(page, "competitions-review")
    page.click("[data-testid=act-approve]")
    page.wait_for_selector("[data-testid=filing-no]")
    assert "JS-410202-2026-0001" in page.inner_text("[data-testid=filing-no]")
    page.click("[data-testid=act-publish]")
    page.wait_for_selector("[data-testid=status]:has-text('已公布')")
    keep(page, "competitions-review-published")
    # The other new pages, for a person to look at: the list, the application form, the findings.
    page.click("text=← 竞赛活动备案")
    page.wait_for_selector("[data-testid=competitions]")
    keep(page, "competitions-list")
    page.click("[data-testid=apply]")
    page.wait_for_selector("[data-testid=submit]")
    keep(page, "competitions-form")
    page.goto("/competitions/findings/new/")
    page.fill("input[name=organiser_name]", "某英语工作室")
    page.fill("input[name=competition_name]", "少儿英语之星大赛")
    page.fill("textarea[name=facts]", "未经备案面向小学生举办竞赛，收取报名费。")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=findings] >> text=少儿英语之星大赛")
    keep(page, "competitions-findings")
