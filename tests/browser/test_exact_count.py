"""A long institution list's exact total as a regulator meets it: "超过 30 家", a click on 统计准确总数, a panel
that says the count runs, then "共 N 家" in the header without reloading the page (issue #17)."""

from typing import Any

import pytest

from shuangjian.core import exports, pagination
from shuangjian.core.models import Job, JobStatus
from shuangjian.core.tests.factories import TEST_PASSWORD, RegulatorFactory
from shuangjian.registry.tests.factories import InstitutionFactory
from shuangjian.registry.tests.helpers import divisions
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


class _Queued:
    """Stands for the Celery task: the job stays queued (as with a busy worker) until the test runs it."""

    def __init__(self) -> None:
        self.queued: list[int] = []

    def delay(self, job_id: int) -> None:
        self.queued.append(job_id)


def test_the_exact_total_is_counted_in_the_background_and_appears_in_the_header(
    page: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    divisions()
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    for n in range(33):
        InstitutionFactory.create(name=f"龙亭培训机构{n:02d}")
    InstitutionFactory.create(name="祥符培训机构", division_code="410212")  # another county: never counted here
    RegulatorFactory.create(username="lt_count_b", scope_code="410202")
    task = _Queued()
    monkeypatch.setattr(exports, "export_job_task", task)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "lt_count_b")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")

    page.goto("/registry/")
    assert "超过 30 家" in page.inner_text("[data-testid=total]")
    with page.expect_navigation():
        page.click("text=统计准确总数")
    # Back on the list (not a job page): the count runs, the header says so and polls.
    assert page.url.endswith("/registry/")
    page.wait_for_selector("[data-testid=total-counting]")
    assert "超过 30 家" in page.inner_text("[data-testid=total]")
    screenshot(page, "exact-count-running")
    assert len(task.queued) == 1
    exports.export_job_run(task.queued[0])
    assert Job.objects.get(pk=task.queued[0]).status == JobStatus.SUCCEEDED
    page.wait_for_selector("[data-testid=total-exact-at]")  # the polled panel picks the figure up by itself
    header = page.inner_text("[data-testid=total]")
    assert "共 33 家" in header and "超过" not in header and "正在统计" not in header
    screenshot(page, "exact-count-done")
    # A reload shows the same figure, and the pager knows the pages.
    page.reload()
    assert "共 33 家" in page.inner_text("[data-testid=total]")
    assert "第 1 / 2 页" in page.inner_text("[data-testid=pagination]")
    # On a phone the header wraps rather than widening the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert "共 33 家" in page.inner_text("[data-testid=total]")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    screenshot(page, "exact-count-done-phone")
