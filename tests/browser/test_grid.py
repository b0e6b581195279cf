"""Grid in the browser at phone width: an officer files a one-tap zero report for one cell and, for another, a
report with a suspected unlicensed training point and its photo, which becomes an inspection lead in one tap.
The county's regulator then reads the reporting rates."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from PIL import Image

from shuangjian.complaints.models import Channel, Report
from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from shuangjian.enforcement.models import Inspection, InspectionSource
from shuangjian.grid.models import Finding, GridReport
from shuangjian.grid.tests.factories import assign, cells, institution_in, officer
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def keep(page, name: str) -> None:
    shutil.copy(screenshot(page, name), f"/tmp/{name}.png")


def no_sideways_overflow(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className)"
    )


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    # Once (2026-12-04, PostgreSQL run of the full suite on 2 busy cores) the login form took over 15 s to appear.
    page.wait_for_selector("input[name=username]", timeout=45_000)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def test_an_officer_files_a_zero_report_and_a_finding_that_becomes_a_lead(page, tmp_path: Path) -> None:
    c1, c2, _c3 = cells()
    user = officer(username="lt_grid_b", display_name="网格员 吴芳")
    since = datetime.date(2026, 9, 1)
    assign(user, c1, since)
    assign(user, c2, since)
    institution_in(c2, name="开封启航文化艺术培训中心")
    photo = tmp_path / "shopfront.jpg"
    Image.new("RGB", (800, 600), (190, 150, 110)).save(photo, format="JPEG")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.username)
    page.goto("/grid/")
    page.wait_for_selector("[data-testid=grid-home]")
    assert no_sideways_overflow(page) == []
    keep(page, "grid-home-phone")

    # One tap: nothing found today in the first cell.
    page.click(f"[data-testid=cell-{c1.code}] [data-testid=zero]")
    page.wait_for_selector(f"[data-testid=cell-{c1.code}] [data-testid=filed]")
    assert GridReport.objects.get(cell=c1).is_zero

    # The second cell's institutions, read-only, with their standing.
    page.goto(f"/grid/cells/{c2.code}/")
    page.wait_for_selector("[data-testid=cell-institutions] >> text=开封启航文化艺术培训中心")
    assert no_sideways_overflow(page) == []
    keep(page, "grid-cell-phone")

    page.goto("/grid/")
    page.click(f"[data-testid=cell-{c2.code}] [data-testid=report]")
    page.wait_for_selector("[data-testid=submit]")
    page.fill("textarea[name=places_patrolled]", "北道门街、宋都御街")
    page.fill("input[name=unlicensed_name]", "小状元作业辅导")
    page.fill("input[name=unlicensed_address]", "龙亭区北道门街12号二楼")
    page.fill("textarea[name=unlicensed_description]", "居民楼内约十名小学生上课。")
    page.set_input_files("input[name=unlicensed_photo]", str(photo))
    page.fill("input[name=latitude]", "34.801200")
    page.fill("input[name=longitude]", "114.351800")
    assert no_sideways_overflow(page) == []
    keep(page, "grid-report-form-phone")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=to-lead]")
    page.wait_for_selector("[data-testid=photo]")
    keep(page, "grid-report-detail-phone")

    page.click("[data-testid=to-lead]")
    page.wait_for_selector("[data-testid=lead]")
    assert "已转为检查线索" in page.inner_text("[data-testid=lead]")
    assert no_sideways_overflow(page) == []
    keep(page, "grid-report-lead-phone")
    finding = Finding.objects.get(report__cell=c2)
    lead = Inspection.objects.get()
    assert finding.inspection == lead and lead.source == InspectionSource.GRID
    assert lead.source_ref == str(finding.report_id) and lead.unlicensed == finding.unlicensed
    assert finding.photo_sha256

    # The county regulator's rates page, at desktop width.
    page.context.clear_cookies()
    RegulatorFactory.create(username="lt_grid_reg", scope_code="410202")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "lt_grid_reg")
    page.goto("/grid/rates/")
    page.wait_for_selector("[data-testid=townships]")
    keep(page, "grid-rates")


def test_an_officer_turns_a_finding_with_a_photo_into_a_report_case(page, tmp_path: Path) -> None:
    """Issue #16: at phone width, a zero report in one tap, then a report with a finding and its photo, which
    becomes a public-report case (channel 网格员上报) in one tap, linked both ways."""
    c1, c2, _c3 = cells()
    user = officer(username="lt_grid_c", display_name="网格员 马超")
    since = datetime.date(2026, 9, 1)
    assign(user, c1, since)
    assign(user, c2, since)
    photo = tmp_path / "classroom.jpg"
    Image.new("RGB", (1200, 900), (120, 160, 200)).save(photo, format="JPEG")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.username)
    page.goto("/grid/")
    page.click(f"[data-testid=cell-{c1.code}] [data-testid=zero]")
    page.wait_for_selector(f"[data-testid=cell-{c1.code}] [data-testid=filed]")
    assert GridReport.objects.get(cell=c1).is_zero

    page.click(f"[data-testid=cell-{c2.code}] [data-testid=report]")
    page.wait_for_selector("[data-testid=submit]")
    page.fill("textarea[name=places_patrolled]", "书店街、寺后街")
    page.fill("input[name=unlicensed_name]", "学霸思维训练营")
    page.fill("input[name=unlicensed_address]", "龙亭区寺后街21号三楼")
    page.fill("textarea[name=unlicensed_description]", "周六上午约二十名初中生上数学课，门口无招牌。")
    page.set_input_files("input[name=unlicensed_photo]", str(photo))
    assert no_sideways_overflow(page) == []
    keep(page, "grid-finding-form-phone")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=finding-link]")

    # The finding's own page, then one tap: a report case.
    page.click("[data-testid=finding-link]")
    page.wait_for_selector("[data-testid=finding-title]")
    page.wait_for_selector("[data-testid=photo]")
    page.click("[data-testid=to-report]")
    page.wait_for_selector("[data-testid=public-report]")
    assert "已转为举报案件" in page.inner_text("[data-testid=public-report]")
    assert no_sideways_overflow(page) == []
    keep(page, "grid-finding-case-phone")

    finding = Finding.objects.get(report__cell=c2)
    report = Report.objects.get()
    assert finding.public_report == report and report.source_ref == f"grid.finding:{finding.pk}"
    assert report.channel == Channel.GRID and report.reporter == user
    assert report.photos.get().sha256 == finding.photo_sha256
    assert report.display_code in page.inner_text("[data-testid=public-report]")
    # A second tap is impossible on the page (the button is gone) and the case stays one.
    assert page.locator("[data-testid=to-report]").count() == 0

    # The county's staff page of the case: "来自网格员上报", linking back to the finding.
    page.context.clear_cookies()
    RegulatorFactory.create(username="lt_grid_reg2", scope_code="410202")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "lt_grid_reg2")
    page.goto(f"/complaints/{report.pk}/")
    page.wait_for_selector("[data-testid=source]")
    assert "来自网格员上报" in page.inner_text("[data-testid=source]")
    keep(page, "complaints-report-from-grid")
    page.click("[data-testid=source] a")
    page.wait_for_selector("[data-testid=finding-title]")
    assert page.url.endswith(f"/grid/findings/{finding.pk}/")
    assert page.get_attribute("[data-testid=public-report-link]", "href") == f"/complaints/{report.pk}/"
