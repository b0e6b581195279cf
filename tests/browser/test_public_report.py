"""On a phone: file a report with a photo, note the tracking code, follow it by that code."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from shuangjian.complaints.models import Report
from shuangjian.registry.tests.helpers import divisions
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_phone_files_a_report_with_a_photo_and_follows_it_by_code(page, tmp_path):
    divisions()
    photo = tmp_path / "scene.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 80, 40)).save(buf, format="JPEG")
    photo.write_bytes(buf.getvalue())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/reports/")
    page.select_option("#id_category", "overtime")
    page.fill("#id_institution_name", "星光补习班")
    page.fill("#id_address", "开封市龙亭区中山路 18 号 3 楼")
    page.fill("#id_description", "工作日晚上九点半以后还在给小学生上课。")
    page.fill("#id_phone", "13912340000")
    page.set_input_files("#id_photos", str(photo))
    shot = screenshot(page, "complaints-form-phone")
    shutil.copy(shot, "/tmp/complaints-form.png")
    page.click("[data-testid=report-submit]")
    page.wait_for_selector("[data-testid=track]")
    code = page.inner_text("[data-testid=code]").strip()
    report = Report.objects.get()
    assert code == report.display_code and report.photos.count() == 1 and report.division_code == "410202"
    body = page.inner_text("main")
    assert "13912340000" not in body and "待受理" in body
    # Later, from another phone: type the code as read aloud (lower case, no dash).
    page.goto("/public/reports/track/")
    page.fill("#code", code.replace("-", " ").lower())
    page.click("button")
    page.wait_for_selector("[data-testid=status]")
    assert page.inner_text("[data-testid=status]") == "待受理"
    assert page.locator("img[alt=举报照片]").count() == 1
    shot = screenshot(page, "complaints-track-phone")
    shutil.copy(shot, "/tmp/complaints-track.png")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert wide == [], wide


def test_phone_picks_a_registered_institution(page):
    from shuangjian.registry.tests.helpers import make_institution

    divisions()
    inst = make_institution(name="开封市龙亭区启明培训学校")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/public/reports/")
    page.select_option("#id_category", "fees")
    page.fill("#id_institution_name", "启明")
    page.click("[data-testid=institution-picker] button")
    assert page.input_value("#id_institution_uscc") == inst.uscc
    page.fill("#id_address", "中山路 18 号")
    page.fill("#id_description", "退费拖了三个月。")
    page.click("[data-testid=report-submit]")
    page.wait_for_selector("[data-testid=track]")
    report = Report.objects.get()
    assert report.institution == inst and report.division_code == inst.division_code
