"""The report list's exact total past its cap: counted by a background job (core.exact_counts) for exactly the
list's filters, in the counting person's jurisdiction, shown in the list's header; never counted in the request."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from shuangjian.complaints import views
from shuangjian.complaints.models import Category, ReportStatus
from shuangjian.core import exports
from shuangjian.core.models import Job, JobStatus, User
from shuangjian.core.tests.export_helpers import start_count

from .factories import ReportFactory

URL = "complaints:report_list"


def _staff(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reports(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """33 reports in Longting (31 unlicensed, 2 other), 2 in Shunhe; the list capped at 30 (a page)."""
    monkeypatch.setattr(views, "REPORT_LIST_COUNT_CAP", 30)
    for _ in range(31):
        ReportFactory.create()
    for _ in range(2):
        ReportFactory.create(category=Category.OTHER)
    for _ in range(2):
        ReportFactory.create(division_code="410203")
    return people


def test_the_exact_total_is_a_job_for_the_lists_filters(reports: dict[str, Any]) -> None:
    client = _staff(reports["regulator"])
    html = client.get(reverse(URL)).content.decode()
    assert "超过 30 件" in html and "统计准确总数" in html and "count=exact" in html
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(reverse(URL), {"category": Category.UNLICENSED, "status": "", "count": "exact"})
    assert response.status_code == 302
    assert response["Location"] == reverse(URL) + f"?category={Category.UNLICENSED}&status="
    job = Job.objects.get(owner=reports["regulator"], kind="export.complaints.report_count")
    # The empty filter is no filter: the job is found again from the list with or without it.
    assert job.status == JobStatus.SUCCEEDED and job.params == {"category": Category.UNLICENSED}
    assert job.result["data"]["count"] == 31
    for query in ({"category": Category.UNLICENSED}, {"category": Category.UNLICENSED, "status": ""}):
        html = client.get(reverse(URL), query).content.decode()
        assert "共 31 件" in html and "准确总数，统计于" in html and "超过" not in html
    # The unfiltered list was not counted: capped, never the filtered job's figure.
    html = client.get(reverse(URL)).content.decode()
    assert "超过 30 件" in html and "共 31 件" not in html
    assert start_count(client, reverse(URL)).result["data"]["count"] == 33
    assert "共 33 件" in client.get(reverse(URL)).content.decode()


def test_a_county_count_never_holds_another_county(reports: dict[str, Any]) -> None:
    assert start_count(_staff(reports["regulator"]), reverse(URL)).result["data"]["count"] == 33
    assert start_count(_staff(reports["city"]), reverse(URL)).result["data"]["count"] == 35
    # The county regulator filtering on the other county: the selector's scope still holds.
    job = start_count(_staff(reports["regulator"]), reverse(URL), {"division": "410203"})
    assert job.result["data"]["count"] == 0
    # The other county's regulator has two reports: under the cap, the page counts them itself (no job).
    html = _staff(reports["other"]).get(reverse(URL)).content.decode()
    assert "共 2 件" in html and "统计准确总数" not in html


def test_a_failed_count_shows_a_message_not_an_error(reports: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    client = _staff(reports["regulator"])

    def broken(user: Any, params: Any, progress: Any) -> Any:
        raise RuntimeError("statement timeout")

    kind = "complaints.report_count"
    with monkeypatch.context() as patch:
        patch.setitem(exports._KINDS, kind, dataclasses.replace(exports._KINDS[kind], build=broken))
        job = start_count(client, reverse(URL), {"status": ReportStatus.NEW})
    assert job.status == JobStatus.FAILED
    response = client.get(reverse(URL), {"status": ReportStatus.NEW})
    html = response.content.decode()
    assert response.status_code == 200 and "准确总数统计失败，请稍后重试。" in html and "统计准确总数" in html
