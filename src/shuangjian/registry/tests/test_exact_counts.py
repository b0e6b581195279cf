"""The exact total of the institution and zombie lists, counted by a background job (core.exact_counts): the link
starts it and comes back to the list, the list shows the job's figure for the same filters only, a running job's
panel polls, a failure says so in Chinese, and no one sees another person's count or counts outside their scope."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from shuangjian.core import exact_counts, exports, pagination
from shuangjian.core.models import Department, Job, JobStatus, User
from shuangjian.core.tests.export_helpers import start_count
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry.models import Category, NonSubjectField
from shuangjian.registry.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

URL = "registry:institution_list"
KIND = "registry.institution_count"


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def total(client: Client, data: Any = None) -> str:
    """The list header's total, as its text reads (tags dropped)."""
    import re

    response = client.get(reverse(URL), data or {})
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-testid="total"')
    return re.sub(r"<[^>]+>", "", html[start : html.index("</h1>", start)]).split(">", 1)[1].strip()


@pytest.fixture
def province(monkeypatch: pytest.MonkeyPatch) -> dict[str, User]:
    """31 subject + 1 arts institutions in Longting (410202), 4 in Xiangfu (410212); lists capped at 30 (a page)."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    for _ in range(31):
        InstitutionFactory.create()
    InstitutionFactory.create(name="艺术机构", category=Category.NON_SUBJECT, field=NonSubjectField.ARTS)
    for _ in range(4):
        InstitutionFactory.create(division_code="410212")
    return {
        "county": RegulatorFactory.create(username="lt", department=Department.EDUCATION, scope_code="410202"),
        "colleague": RegulatorFactory.create(username="lt2", department=Department.EDUCATION, scope_code="410202"),
        "other_county": RegulatorFactory.create(username="xf", department=Department.EDUCATION, scope_code="410212"),
        "city": RegulatorFactory.create(username="kf", department=Department.EDUCATION, scope_code="4102"),
    }


def test_the_link_starts_a_job_and_the_list_shows_its_figure_for_those_filters_only(
    province: dict[str, User],
) -> None:
    client = login(province["county"])
    assert total(client).startswith("超过 30 家") and "统计准确总数" in total(client)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(reverse(URL), {"category": Category.SUBJECT, "page": "2", "count": "exact"})
    # Back to the list as it was: same filters, same page, without the link's flag.
    assert response.status_code == 302
    assert response["Location"] == reverse(URL) + f"?category={Category.SUBJECT}&page=2"
    job = Job.objects.get(owner=province["county"], kind="export." + KIND)
    assert job.status == JobStatus.SUCCEEDED and job.params == {"category": Category.SUBJECT}
    assert job.division_code == "410202" and job.result["data"]["count"] == 31
    shown = total(client, {"category": Category.SUBJECT})
    assert shown.startswith("共 31 家") and "准确总数，统计于" in shown and "重新统计" in shown
    assert total(client, {"category": Category.SUBJECT, "page": "2"}).startswith("共 31 家")
    # The pager follows the exact figure too ("第 1 / 2 页", not "共超过 1 页").
    pager = client.get(reverse(URL), {"category": Category.SUBJECT}).content.decode()
    assert "第 1 / 2 页" in pager and "共超过" not in pager
    # Other filters (or none) were not counted: capped, with the link, never this job's figure.
    assert total(client).startswith("超过 30 家") and "共 31 家" not in total(client)
    assert total(client, {"status": "active"}).startswith("超过 30 家")
    # Asked again within a minute, the finished count is reused; after that, a new job counts again.
    assert start_count(client, reverse(URL), {"category": Category.SUBJECT}).pk == job.pk
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(minutes=5))
    InstitutionFactory.create()
    again = start_count(client, reverse(URL), {"category": Category.SUBJECT})
    assert again.pk != job.pk and again.result["data"]["count"] == 32
    assert total(client, {"category": Category.SUBJECT}).startswith("共 32 家")
    # A count is one of the person's jobs: listed among their exports, its page links back to the list.
    page = client.get(reverse("core:export_job", args=[again.pk]))
    assert page.context["page_url"] == reverse(URL) + f"?category={Category.SUBJECT}"
    assert "机构名录准确总数" in client.get(reverse("core:export_list")).content.decode()
    assert client.get(reverse("core:export_download", args=[again.pk])).status_code == 404  # no file


def test_a_county_count_holds_only_that_county_and_is_its_owners_alone(province: dict[str, User]) -> None:
    county, city = login(province["county"]), login(province["city"])
    assert start_count(county, reverse(URL)).result["data"]["count"] == 32
    assert start_count(city, reverse(URL)).result["data"]["count"] == 36
    assert total(county).startswith("共 32 家") and total(city).startswith("共 36 家")
    # Another county's filter in a county regulator's count: nothing of that county.
    job = start_count(county, reverse(URL), {"division": "410212"})
    assert job.result["data"]["count"] == 0
    # A colleague with the same rights and filters sees no figure of someone else's job, nor its panel.
    colleague = login(province["colleague"])
    assert total(colleague).startswith("超过 30 家")
    assert colleague.get(reverse("core:exact_count", args=[job.pk]), {"more": 30}).status_code == 404
    # The other county's regulator counts their own county only.
    assert start_count(login(province["other_county"]), reverse(URL)).result["data"]["count"] == 4


def test_a_count_made_in_another_scope_is_not_shown_after_a_move(province: dict[str, User]) -> None:
    client = login(province["county"])
    start_count(client, reverse(URL))
    User.objects.filter(pk=province["county"].pk).update(scope_code="4102")
    assert total(client).startswith("超过 30 家")


def test_a_job_that_runs_shows_a_polling_panel_and_then_the_figure(province: dict[str, User]) -> None:
    user = province["county"]
    client = login(user)
    job = exact_counts.exact_count_start(actor=user, kind=KIND, params={})  # queued, not run (no commit here)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    html = client.get(reverse(URL)).content.decode()
    poll = reverse("core:exact_count", args=[job.pk]) + "?more=30"
    assert f'hx-get="{poll}"' in html and "正在统计准确总数" in html and "超过 30 家" in html
    assert 'data-testid="total-exact-link"' not in html  # no second job while one runs
    # Clicking the link again meanwhile is the same job.
    assert exact_counts.exact_count_start(actor=user, kind=KIND, params={}).pk == job.pk
    panel = client.get(poll).content.decode()
    assert "hx-get" in panel and "正在统计准确总数" in panel
    Job.objects.filter(pk=job.pk).update(status=JobStatus.PENDING)
    exports.export_job_run(job.pk)
    panel = client.get(poll).content.decode()
    assert "共 32 家" in panel and "hx-get" not in panel and "超过" not in panel  # finished: it stops polling
    # A job stuck for longer than the same-job window (a lost worker) is not waited for: the link is back.
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.PENDING, created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = client.get(reverse(URL)).content.decode()
    assert "hx-get" not in html and 'data-testid="total-exact-link"' in html


def test_a_failed_count_says_so_in_chinese_and_offers_the_link_again(
    province: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login(province["county"])

    def broken(user: User, params: Any, progress: Any) -> Any:
        raise RuntimeError("the database went away")

    # The kind's builder fails (not the selector: other modules hold it by name, a patch would outlive the test).
    with monkeypatch.context() as patch:
        patch.setitem(exports._KINDS, KIND, dataclasses.replace(exports._KINDS[KIND], build=broken))
        job = start_count(client, reverse(URL))
    assert job.status == JobStatus.FAILED and "系统错误" in job.message
    response = client.get(reverse(URL))
    html = response.content.decode()
    assert response.status_code == 200 and "准确总数统计失败，请稍后重试。" in html
    assert "超过 30 家" in html and 'data-testid="total-exact-link"' in html
    poll = client.get(reverse("core:exact_count", args=[job.pk]), {"more": "30"}).content.decode()
    assert "准确总数统计失败" in poll and "hx-get" not in poll
    # The next click counts again, and succeeds.
    assert start_count(client, reverse(URL)).result["data"]["count"] == 32
    assert total(client).startswith("共 32 家")


def test_the_poll_answers_bad_input_without_a_500(province: dict[str, User]) -> None:
    user = province["county"]
    client = login(user)
    job = start_count(client, reverse(URL))
    assert client.get(reverse("core:exact_count", args=[job.pk]), {"more": "x"}).status_code == 200
    assert client.get(reverse("core:exact_count", args=[job.pk]), {"more": "9" * 40}).status_code == 200
    other = client.get(reverse("registry:whitelist_export"))  # an export that is not a count: no panel
    assert other.status_code == 302
    export = Job.objects.filter(owner=user, kind="export.registry.whitelist").get()
    assert client.get(reverse("core:exact_count", args=[export.pk])).status_code == 404
    assert client.get(reverse("core:exact_count", args=[10**9])).status_code == 404


def test_the_zombie_list_counts_in_a_job_too(province: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangjian.registry.views import institutions as institution_views

    monkeypatch.setattr(institution_views, "ZOMBIE_COUNT_CAP", 2)  # the page's own 30 rows are always counted
    year = timezone.localdate().year - 6
    for n in range(31):
        InstitutionFactory.create(name=f"僵尸{n}", licence_issued_on=datetime.date(year, 5, 1))
    InstitutionFactory.create(name="祥符僵尸", division_code="410212", licence_issued_on=datetime.date(year, 5, 1))
    client = login(province["county"])
    url = reverse("registry:zombies")
    assert "超过 30 家" in client.get(url).content.decode()
    job = start_count(client, url)
    assert job.kind == "export.registry.zombie_count" and job.result["data"]["count"] == 31
    assert "共 31 家" in client.get(url).content.decode()
