"""A parent binds a child by name, resident ID and the contract's binding code, then confirms the contract online."""

import pytest
from django.core.cache import cache

from shuangjian.core.tests.factories import TEST_PASSWORD
from shuangjian.students.models import Enrolment, EnrolmentStatus
from shuangjian.students.tests.factories import EnrolmentFactory, ParentFactory, StudentFactory, resident_id
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_parent_binds_child_and_confirms_contract(page, live_server):
    cache.clear()
    child_id = resident_id(42)
    enrolment = EnrolmentFactory.create(
        status=EnrolmentStatus.PENDING, student=StudentFactory.create(name="何小雨", resident_id=child_id)
    )
    ParentFactory.create(username="parent", display_name="家长 何女士")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "parent")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto("/students/my/")

    # A wrong name is refused without saying whether the ID exists.
    page.fill("#id_name", "何小雪")
    page.fill("#id_resident_id", child_id)
    page.fill("#id_binding_code", enrolment.binding_code)
    page.click("form button:has-text('绑定')")
    assert "不匹配" in page.inner_text(".alert-danger")
    screenshot(page, "parent-bind-refused")

    page.fill("#id_name", "何小雨")
    page.fill("#id_resident_id", child_id)
    page.fill("#id_binding_code", enrolment.binding_code)
    page.click("form button:has-text('绑定')")
    page.wait_for_selector("[data-testid=children] >> text=何小雨")
    screenshot(page, "parent-children")

    page.click("[data-testid=children] >> text=何小雨")
    page.click("text=查看并确认合同")
    page.wait_for_selector("[data-testid=contract-no]")
    assert enrolment.institution.name in page.content()
    assert "第五条 退费" in page.content()
    screenshot(page, "parent-contract-pending")

    with page.expect_download() as download:
        page.click("text=下载合同（Word）")
    assert download.value.suggested_filename.endswith(".docx")

    page.check("#agree")
    page.click("button:has-text('确认合同')")
    page.wait_for_selector("text=合同已确认")
    assert page.inner_text("[data-testid=status]") == "在读"
    screenshot(page, "parent-contract-confirmed")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert Enrolment.objects.get(pk=enrolment.pk).contract_confirmed_by.username == "parent"


def test_parent_page_on_phone(page, live_server):
    cache.clear()
    ParentFactory.create(username="parent2")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "parent2")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto("/students/my/")
    assert page.is_visible("#id_resident_id") and page.is_visible("#id_binding_code")
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "parent-children-phone")
