"""Bulletins in the browser: a city regulator drafts a bulletin from last week's data, revises its text and
publishes it (confirming the dialog); the public reads it under the portal's 工作简报 section, charts and typical
case and all."""

from __future__ import annotations

import datetime
import shutil

import pytest
from django.utils import timezone

from shuangjian.core.tests.factories import TEST_PASSWORD
from shuangjian.enforcement import cases
from shuangjian.enforcement.tests.case_factories import served
from shuangjian.oversight.tests.bulletin_helpers import county_data, regulator
from shuangjian.registry.tests.factories import InstitutionFactory
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def keep(page, name: str) -> None:
    shutil.copy(screenshot(page, name), f"/tmp/{name}.png")


def test_a_regulator_drafts_revises_and_publishes_and_the_public_reads_it(page):
    county = regulator()
    county_data(county)
    case = served(county, InstitutionFactory.create(name="顺风培训学校"))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    cases.case_publish(actor=county, case=case, summary="以思维训练名义开展初中数学培训", on=yesterday)
    city = regulator("b_city", "4102")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", city.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto("/oversight/bulletins/")
    page.click("[data-testid=draft]")
    today = timezone.localdate()
    page.select_option("select[name=division_code]", "4102")
    page.select_option("select[name=series]", "briefing")
    page.fill("input[name=period_start]", (today - datetime.timedelta(days=6)).isoformat())
    page.fill("input[name=period_end]", today.isoformat())
    keep(page, "bulletins-new")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=bulletin]")
    assert "本期完成检查2次。" in page.inner_text("[data-testid=bulletin]")
    page.click("[data-testid=edit]")
    page.fill("textarea[name=counties_text]", "龙亭区本周开展专项检查。")
    keep(page, "bulletins-edit")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=publish]")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=status]:has-text('已发布')")
    number = page.inner_text("[data-testid=number]")
    assert number == f"〔{today.year}〕第1期"
    page.wait_for_selector("#bulletin-chart-trend canvas")
    page.wait_for_selector("#bulletin-chart-counties canvas")
    assert "图1　近6个月检查与整改趋势" in page.inner_text("[data-testid=chart-trend]")
    assert "顺风培训学校" in page.inner_text("[data-testid=cases]")
    keep(page, "bulletins-detail")
    page.screenshot(path="/tmp/bulletins-detail-full.png", full_page=True)
    page.goto("/oversight/bulletins/")
    keep(page, "bulletins-list")
    # The public, at phone width, finds it under 工作简报.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/sections/bulletin/")
    page.click(f"[data-testid=bulletin-list] >> text={number}")
    page.wait_for_selector("[data-testid=bulletin]")
    assert "龙亭区本周开展专项检查。" in page.inner_text("[data-testid=bulletin]")
    assert "以思维训练名义开展初中数学培训" in page.inner_text("[data-testid=bulletin]")
    page.wait_for_selector("#bulletin-chart-counties canvas")
    keep(page, "bulletins-public-phone")
    page.screenshot(path="/tmp/bulletins-public-phone-full.png", full_page=True)
