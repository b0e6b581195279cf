"""A licence application approved in the browser: the operator submits materials, the county's education
regulator moves it through acceptance, material review and site check, approves it, and downloads the decision."""

import io

import pytest
from docx import Document

from shuangjian.core.models import Department
from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from shuangjian.registry.models import ApplicationStatus, Institution, LicenceApplication
from shuangjian.registry.tests.factories import PDF_BYTES, ApplyingInstitutionFactory, SiteFactory, operator_for
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


def test_application_submitted_and_approved_in_the_browser(page, live_server):
    # A science institution: no new subject-type institutions are approved (意见 §13).
    inst = ApplyingInstitutionFactory.create(
        name="龙亭区浏览器测试科技培训中心", category="non_subject", field="science", licensed_subjects=[]
    )
    SiteFactory.create(institution=inst, name="中山路教学点")
    operator = operator_for(inst)
    RegulatorFactory.create(username="lt_sci_reg", scope_code="410202", department=Department.SCIENCE)
    RegulatorFactory.create(username="lt_sports_reg", scope_code="410202", department=Department.SPORTS)

    # The operator applies with a PDF.
    sign_in(page, operator.username)
    open_menu(page, "办学许可申请")
    page.fill("input[name=kind]", "办学章程")
    page.set_input_files(
        "input[name=files]", files=[{"name": "章程.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.click("form button.btn-primary")
    page.wait_for_selector("[data-testid=app-status]")
    assert "已提交" in page.inner_text("[data-testid=app-status]")
    screenshot(page, "registry-apply-submitted")
    app = LicenceApplication.objects.get(institution=inst)

    # The sports regulator of the county sees it is not theirs to decide.
    sign_in(page, "lt_sports_reg")
    page.goto(f"/registry/applications/{app.pk}/")
    assert "该申请由科技部门办理" in page.inner_text("body")

    # The science regulator finds it in the queue and walks it through.
    sign_in(page, "lt_sci_reg")
    open_menu(page, "审批")
    page.click(f"text={inst.name}")
    for label in ("受理", "开始材料审查", "材料审查通过，转实地核查"):
        page.fill("textarea[name=comment]", f"{label}：同意")
        page.click(f"button:has-text('{label}')")
        page.wait_for_selector(".alert-success")
    screenshot(page, "registry-application-site-check")
    page.fill("textarea[name=comment]", "实地核查合格，准予许可")
    page.click("button:has-text('准予许可')")
    page.wait_for_selector("[data-testid=decision-link]")
    assert "已批准" in page.inner_text("[data-testid=app-status]")
    screenshot(page, "registry-application-approved")

    with page.expect_download() as info:
        page.click("[data-testid=decision-link]")
    with open(info.value.path(), "rb") as fh:
        text = "\n".join(p.text for p in Document(io.BytesIO(fh.read())).paragraphs)
    inst.refresh_from_db()
    assert inst.licence_no and inst.licence_no.startswith("科民410202")
    assert "准予" in text
    assert LicenceApplication.objects.get(pk=app.pk).status == ApplicationStatus.APPROVED

    # The institution's page shows the licence, and why a day-old licence is not yet on the white list.
    page.goto(f"/registry/institutions/{inst.pk}/")
    assert inst.licence_no in page.inner_text("[data-testid=licence-no]")
    assert "最近一次年检未合格或尚未年检" in page.inner_text("body")
    assert Institution.objects.get(pk=inst.pk).status == "active"
    screenshot(page, "registry-institution-approved")


def test_institution_list_filters_on_a_phone(page, live_server):
    from shuangjian.registry.models import Category, NonSubjectField
    from shuangjian.registry.tests.factories import InstitutionFactory

    InstitutionFactory.create(
        name="龙亭区飞扬篮球培训中心", category=Category.NON_SUBJECT, field=NonSubjectField.SPORTS
    )
    InstitutionFactory.create(name="龙亭区明德培训学校")
    InstitutionFactory.create(name="祥符区外县机构", division_code="410212")
    RegulatorFactory.create(username="lt_edu_phone", scope_code="410202", department=Department.EDUCATION)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "lt_edu_phone")
    page.goto("/registry/")
    body = page.inner_text("main")
    assert "龙亭区明德培训学校" in body and "祥符区外县机构" not in body
    page.select_option("select[name=field]", "sports")
    page.click("[data-testid=filters] button")
    page.wait_for_url("**field=sports**")
    body = page.inner_text("main")
    assert "龙亭区飞扬篮球培训中心" in body and "龙亭区明德培训学校" not in body
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    screenshot(page, "registry-list-phone")
