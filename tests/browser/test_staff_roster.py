"""The in-service cross-check as people use it: a school uploads its roster on a phone, the county regulator
sees the flagged employment (masked ID), and an operator trying to hire a rostered teacher is told why."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from shuangjian.staff import services
from shuangjian.staff.models import Employment, EmploymentFlag
from shuangjian.staff.tests.factories import OperatorFactory, SchoolAdminUserFactory, math_teacher, rid, roster_file
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_roster_flags_then_refuses_on_a_phone(page, live_server, tmp_path: Path) -> None:
    op = OperatorFactory.create(username="op_b")
    services.employment_create(actor=op, data=math_teacher(rid(1), name="王建国"))
    SchoolAdminUserFactory.create(username="school_b")
    RegulatorFactory.create(username="lt_edu_b")
    upload = tmp_path / "roster.xlsx"
    upload.write_bytes(roster_file([("王建国", rid(1)), ("李红", rid(2))]).read())

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "school_b")
    page.goto("/schools/rosters/")
    page.set_input_files("input[name=file]", str(upload))
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=result]")
    assert "王建国" in page.inner_text("[data-testid=result]")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    screenshot(page, "schools-roster-phone")
    assert EmploymentFlag.objects.count() == 1

    sign_out(page)
    sign_in(page, "lt_edu_b")
    page.goto("/staff/flags/")
    body = page.inner_text("body")
    assert "王建国" in body and "在职中小学教师" in body and rid(1) not in body
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    screenshot(page, "staff-flags-phone")

    sign_out(page)
    sign_in(page, "op_b")
    page.goto("/staff/new/")
    page.fill("input[name=name]", "李红")
    page.fill("input[name=resident_id]", rid(2))
    page.fill("input[name=start]", "2026-09-01")
    page.check("input[name=subjects][value=math]")
    page.select_option("select[name=cert_kind]", "teacher_certificate")
    page.fill("input[name=cert_number]", "2020410000001")
    page.select_option("select[name=cert_subject]", "math")
    page.select_option("select[name=cert_level]", "primary")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=violations]")
    assert "在职教师" in page.inner_text("[data-testid=violations]")
    screenshot(page, "staff-new-refused-phone")
    assert Employment.objects.count() == 1
