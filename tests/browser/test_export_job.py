"""An export as a regulator meets it: the button opens the job's page, the bar fills, the file downloads."""

import pytest

from shuangjian.core.models import Job, JobStatus
from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from shuangjian.registry.tests.helpers import divisions, make_institution
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def test_the_white_list_export_runs_as_a_job_on_a_phone(page, live_server):
    divisions()
    make_institution(name="龙亭区合规机构")
    user = RegulatorFactory.create(username="lt_export_b", scope_code="410202")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "lt_export_b")
    # A job still running: the bar shows how far it is and the panel polls.
    job = Job.objects.create(
        kind="export.enforcement.inspections",
        owner=user,
        division_code="410202",
        status=JobStatus.RUNNING,
        done=3000,
        total=8000,
        message="导出：检查记录",
    )
    page.goto(f"/core/exports/{job.pk}/")
    page.wait_for_selector("[data-testid=job-panel]")
    assert "3000 / 8000" in page.inner_text("[data-testid=job-panel]")
    screenshot(page, "export-job-running-phone")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message="导出失败：系统错误（OperationalError）")
    page.wait_for_selector("text=导出失败")  # the polled panel picks up the end by itself

    page.goto("/registry/lists/white/")
    with page.expect_navigation():
        page.click("text=导出 Excel")
    page.wait_for_selector("[data-testid=job-download]")
    assert "已完成" in page.inner_text("[data-testid=job-status]")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    screenshot(page, "export-job-done-phone")
    with page.expect_download() as info:
        page.click("[data-testid=job-download]")
    assert info.value.suggested_filename.startswith("白名单-")

    page.goto("/core/exports/")
    assert "白名单" in page.inner_text("[data-testid=export-list]")
    screenshot(page, "export-list-phone")
