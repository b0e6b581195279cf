"""The public report statistics: answered from figures computed in the background, equal to the staff figures."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from shuangjian.complaints import selectors, services, tasks
from shuangjian.complaints.models import PublicStatistics, Report
from shuangjian.complaints.stats import ReportStats

from .factories import ReportFactory

pytestmark = pytest.mark.django_db
URL = "complaints_public:statistics"


@pytest.fixture(autouse=True)
def no_kick_lock() -> Any:
    cache.clear()  # the "recompute at most once a minute" key
    yield
    cache.clear()


def _page() -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = Client().get(reverse(URL))
    assert response.status_code == 200
    return response.content.decode()


def _total(page: str) -> int:
    found = re.search(r'data-testid="total">(\d+)<', page)
    assert found, page
    return int(found.group(1))


def test_the_first_visit_says_it_is_counting_then_the_figures_come_with_their_time(people: dict[str, Any]) -> None:
    ReportFactory.create_batch(3)
    # Nothing computed yet: a clear state, no error, no empty figures; the job the visit asks for runs when its
    # transaction commits (a worker; eager here).
    first = _page()
    assert 'data-testid="stats-computing"' in first and "正在统计" in first and 'data-testid="total"' not in first
    page = _page()
    assert _total(page) == 3 and "统计截至" in page
    stamp = timezone.localtime(PublicStatistics.objects.get().computed_at).strftime("%Y-%m-%d %H:%M")
    assert stamp in page and "13800000000" not in page


def test_the_page_reads_the_computed_figures_not_the_reports(
    people: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    ReportFactory.create_batch(2)
    services.public_statistics_refresh()
    ReportFactory.create_batch(2)
    with django_assert_max_num_queries(3):  # the row (and the session/locale machinery), whatever the reports
        page = _page()
    assert _total(page) == 2  # within the interval: the figures as computed, stamped with their time


def test_figures_older_than_the_interval_are_recomputed(people: dict[str, Any], settings: Any) -> None:
    settings.COMPLAINTS_PUBLIC_STATS_SECONDS = 600
    ReportFactory.create()
    services.public_statistics_refresh()
    ReportFactory.create()
    assert _total(_page()) == 1
    PublicStatistics.objects.update(computed_at=timezone.now() - datetime.timedelta(seconds=601))
    stale = _page()  # shows the old figures with their stamp and asks a worker for new ones
    assert _total(stale) == 1 and "统计截至" in stale
    assert _total(_page()) == 2


def test_a_broker_that_is_down_leaves_the_page_up(people: dict[str, Any], monkeypatch: Any) -> None:
    def down() -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.public_statistics_task, "delay", down)
    assert 'data-testid="stats-computing"' in _page()
    services.public_statistics_refresh()
    PublicStatistics.objects.update(computed_at=timezone.now() - datetime.timedelta(days=1))
    cache.clear()
    assert _total(_page()) == 0


def test_a_computation_that_began_earlier_does_not_overwrite_a_newer_one(people: dict[str, Any]) -> None:
    newer = services.public_statistics_refresh()
    PublicStatistics.objects.update(computed_at=newer.computed_at + datetime.timedelta(minutes=5), data={"total": 99})
    services.public_statistics_refresh()
    assert PublicStatistics.objects.get().data["total"] == 99


def test_public_figures_equal_the_staff_page_figures_for_the_whole_city(people: dict[str, Any]) -> None:
    """The same figures for the same period and scope: the city regulator's reach holds every report here."""
    reg = people["regulator"]
    ReportFactory.create_batch(2)
    ReportFactory.create_batch(2, division_code="410203", address="顺河回族区某街 1 号", category="fees")
    report = ReportFactory.create()
    services.report_accept(actor=reg, report=report)
    services.report_assign(actor=reg, report=Report.objects.get(pk=report.pk))
    services.report_dispatch(actor=reg, report=Report.objects.get(pk=report.pk), inspectors=[people["inspector"]])
    staff = Client()
    staff.force_login(people["city"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff.get(reverse("complaints:statistics"))
    staff_page = staff.get(reverse("complaints:statistics"))
    staff_figures: ReportStats = staff_page.context["s"]
    _page()
    public = selectors.public_statistics()
    assert public is not None
    assert public.figures == staff_figures and public.figures.total == 5 and public.figures.inspections_total == 1
    assert _total(_page()) == _total(staff_page.content.decode()) == 5
