"""At phone width (390 px): the inspector records a failed item with a photo, a rectification notice is issued,
the institution answers with a photo, and the follow-up closes the notice. A draft survives going offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shuangjian.core.models import Role
from shuangjian.core.tests.factories import TEST_PASSWORD, UserFactory
from shuangjian.enforcement.models import Inspection, InspectionStatus, NoticeStatus, RectificationNotice
from shuangjian.enforcement.services import inspection_lead_create
from shuangjian.enforcement.subjects import Subject
from shuangjian.enforcement.tests.inspection_helpers import jpeg_bytes
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for
from tests.conftest import screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def shot(page, name: str) -> None:
    path = screenshot(page, name)
    shutil.copy(path, Path("/tmp") / f"inspections-{name}.png")


def planned_for(user, inst) -> Inspection:
    insp = inspection_lead_create(actor=user, subject=Subject.of_institution(inst), kind="routine")
    insp.lead_inspector = user
    insp.planned_on = insp.created_at.date()
    insp.save()
    insp.inspectors.add(user)
    return insp


def fill_checklist(page, failed: str = "", note: str = "") -> None:
    for radio in page.query_selector_all("input.btn-check[value=passed]"):
        page.click(f"label[for={radio.get_attribute('id')}]")
    if failed:
        page.click(f"label[for=id_item_{failed}_1]")
        page.fill(f"textarea[name=note_{failed}]", note)
        page.set_input_files(
            f"input[name=photos_{failed}]",
            files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(gps=True)}],
        )
    page.fill("input[name=inspector_signatures]", "刘洋、张伟")
    page.fill("input[name=party_signature]", "王五")


def test_failed_item_notice_answer_and_follow_up_at_phone_width(page, live_server):
    page.set_viewport_size(PHONE)
    inst = InstitutionFactory.create(name="龙亭区手机检查培训中心")
    operator = operator_for(inst)
    inspector = UserFactory.create(username="lt_phone_insp", role=Role.INSPECTOR, scope_code="410202")
    insp = planned_for(inspector, inst)

    sign_in(page, "lt_phone_insp")
    page.goto("/enforcement/tasks/")
    page.wait_for_selector("[data-testid=task-item]")
    assert "龙亭区手机检查培训中心" in page.inner_text("[data-testid=task-item]")
    shot(page, "my-tasks")
    page.click("[data-testid=task-item]")
    page.wait_for_selector("#inspection-form")
    fill_checklist(page, failed="prices", note="收费标准未公示")
    assert "草稿已保存" in page.inner_text("[data-testid=draft-status]")
    shot(page, "inspection-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=issue-notice]")
    assert "收费标准未公示" in page.inner_text("[data-testid=result-prices]")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('insp-draft:')).length") == 0
    page.click("[data-testid=issue-notice]")
    page.wait_for_selector("[data-testid=notice-status]")
    notice = RectificationNotice.objects.get(inspection=insp)
    assert notice.number in page.inner_text("h1")
    shot(page, "notice-issued")

    sign_in(page, operator.username)
    page.goto("/enforcement/my/notices/")
    page.click("[data-testid=my-notice]")
    page.fill("textarea[name=text]", "已在前台公示收费项目和标准")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "整改.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.click("[data-testid=submit-answer]")
    page.wait_for_selector("[data-testid=answer]")
    assert "已回复" in page.inner_text("[data-testid=notice-status]")
    shot(page, "notice-answered")

    sign_in(page, "lt_phone_insp")
    page.goto(f"/enforcement/notices/{notice.pk}/")
    page.click("[data-testid=action-follow_up]")
    page.wait_for_selector("#inspection-form")
    # The follow-up rechecks only the failed item.
    assert [e.get_attribute("data-testid") for e in page.query_selector_all("[data-testid^=item-]")] == ["item-prices"]
    fill_checklist(page)
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=inspection-status]")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED
    page.goto(f"/enforcement/notices/{notice.pk}/")
    assert "已整改" in page.inner_text("[data-testid=notice-status]")


def test_a_draft_submitted_offline_waits_and_is_sent_when_back_online(page, live_server):
    page.set_viewport_size(PHONE)
    inst = InstitutionFactory.create(name="龙亭区离线草稿培训中心")
    inspector = UserFactory.create(username="lt_offline_insp", role=Role.INSPECTOR, scope_code="410202")
    insp = planned_for(inspector, inst)
    sign_in(page, "lt_offline_insp")
    page.goto(f"/enforcement/inspections/{insp.pk}/record/")
    fill_checklist(page, failed="premises", note="消防通道堵塞")
    # The page is reloaded (a lost tab): everything typed is still there.
    page.reload()
    assert page.input_value("textarea[name=note_premises]") == "消防通道堵塞"
    assert page.is_checked("#id_item_premises_1")
    page.context.set_offline(True)
    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=draft-status]:has-text('待提交')")
    insp.refresh_from_db()
    assert insp.status == InspectionStatus.PLANNED
    page.context.set_offline(False)
    page.wait_for_selector("[data-testid=inspection-status]", timeout=20_000)
    insp.refresh_from_db()
    assert insp.status == InspectionStatus.DONE
    assert insp.items.get(code="premises").photos.count() == 1
