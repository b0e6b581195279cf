"""The audit viewer as a county regulator uses it: reached from the menu, fenced to the county, usable on a phone."""

import pytest

from shuangjian.core.audit import audit_record
from shuangjian.core.tests.factories import TEST_PASSWORD, PlatformAdminFactory, RegulatorFactory
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def test_county_regulator_reads_only_its_county_on_a_phone(page, live_server):
    admin = PlatformAdminFactory.create(username="admin_b")
    for i in range(3):
        audit_record(
            actor=admin,
            action="institution.approve",
            object_type="registry.institution",
            object_id=f"LT-{i}",
            division_code="410202",
            after={"名称": f"龙亭区培训学校{i}"},
        )
    audit_record(actor=admin, action="institution.approve", object_id="XF-9", division_code="410212")
    RegulatorFactory.create(username="lt_edu_b", scope_code="410202")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "lt_edu_b")
    page.goto("/core/audit/")
    page.wait_for_selector("table")
    body = page.inner_text("body")
    assert "审计日志" in body
    assert "LT-0" in body and "LT-2" in body
    assert "XF-9" not in body
    assert "平台管理员" in body
    # The page itself does not scroll sideways on a phone; the wide table scrolls inside its wrapper.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    screenshot(page, "audit-list-phone")

    # The other county's event (seq 4) is as unknown over the API as a missing one.
    response = page.goto("/api/v1/core/audit/4")
    assert response.status == 404
    assert response.json()["code"] == "not_found"
