"""The inspection and notice lists count their rows only up to a cap; past it the header says "超过 N" and the
exact total is a job (core.exact_counts) for exactly the list's filters, in the person's jurisdiction."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shuangjian.core.models import Job, JobStatus
from shuangjian.core.tests.export_helpers import start_count
from shuangjian.enforcement import checklist, inspection_selectors
from shuangjian.enforcement.models import Inspection, InspectionStatus, NoticeStatus
from shuangjian.registry.tests.factories import InstitutionFactory

from .inspection_helpers import issued, regulator

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def _inspections(n: int, county: str, user: Any, status: str = InspectionStatus.DONE) -> None:
    inst = InstitutionFactory.create(division_code=county)
    for _ in range(n):
        Inspection.objects.create(
            subject_kind="institution",
            institution=inst,
            subject_name=inst.name,
            division_code=county,
            kind="routine",
            status=status,
            created_by=user,
        )


def test_inspection_list_past_its_cap_offers_the_exact_total_as_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inspection_selectors, "LIST_COUNT_CAP", 3)
    monkeypatch.setattr(inspection_selectors, "LIST_PAGE_SIZE", 2)
    city = regulator("city", scope="4102")
    county = regulator("county", scope="410202")
    _inspections(4, "410202", city)
    _inspections(2, "410202", city, status=InspectionStatus.PLANNED)
    _inspections(3, "410203", city)
    url = reverse("enforcement:inspection_list")
    html = client_for(county).get(url).content.decode()
    assert "超过 3 次" in html and "统计准确总数" in html and "共 6 次" not in html
    job = start_count(client_for(county), url)
    assert job.status == JobStatus.SUCCEEDED and job.result["data"]["count"] == 6 and job.params == {}
    html = client_for(county).get(url).content.decode()
    assert "共 6 次" in html and "准确总数，统计于" in html
    # The filters are the job's: a status filter is counted on its own, and the city counts both counties.
    job = start_count(client_for(county), url, {"status": InspectionStatus.DONE, "q": ""})
    assert job.params == {"status": InspectionStatus.DONE} and job.result["data"]["count"] == 4
    assert start_count(client_for(city), url).result["data"]["count"] == 9
    # Under the cap the page counts itself and offers no job.
    html = client_for(county).get(url, {"status": InspectionStatus.PLANNED}).content.decode()
    assert "共 2 次" in html and "统计准确总数" not in html
    assert Job.objects.filter(owner=county).count() == 2


def test_notice_list_past_its_cap_says_more_than_and_counts_overdue_as_the_page_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inspection_selectors, "LIST_COUNT_CAP", 1)
    monkeypatch.setattr(inspection_selectors, "LIST_PAGE_SIZE", 1)
    reg = regulator()
    for _ in range(2):
        issued(reg, InstitutionFactory.create(), {checklist.PRICES: "未公示"})
    url = reverse("enforcement:notice_list")
    html = client_for(reg).get(url).content.decode()
    assert "超过 1 份" in html and "统计准确总数" in html
    assert start_count(client_for(reg), url).result["data"]["count"] == 2
    assert "共 2 份" in client_for(reg).get(url).content.decode()
    job = start_count(client_for(reg), url, {"status": NoticeStatus.ISSUED})
    assert job.result["data"]["count"] == 2
    html = client_for(reg).get(url, {"status": "overdue"}).content.decode()
    assert "共 0 份" in html
