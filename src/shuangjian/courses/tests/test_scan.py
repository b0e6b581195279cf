"""The violation scan: records broken by a later change are listed, resolved when fixed; the page is scoped."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from shuangjian.core import calendar as core_calendar
from shuangjian.core.models import Job, JobStatus, SchoolVacation
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.courses.models import ViolationRecord
from shuangjian.courses.scan import violation_scan

from .factories import CourseFactory, GuidancePriceFactory, SessionFactory, at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 7, 13)


@pytest.fixture(autouse=True)
def fresh_calendar():
    core_calendar.clear_cache()
    yield
    core_calendar.clear_cache()


def test_scan_finds_a_session_broken_by_a_later_vacation_and_resolves_it_when_lifted():
    session = SessionFactory.create(starts_at=at(MONDAY, 18), ends_at=at(MONDAY, 19))
    result = violation_scan()
    assert result.found == 0 and not ViolationRecord.objects.exists()

    vacation = SchoolVacation.objects.create(
        division_code="4102", kind="summer", start=datetime.date(2026, 7, 11), end=datetime.date(2026, 8, 31)
    )
    core_calendar.clear_cache()
    job = Job.objects.create(kind="courses.violation_scan")
    result = violation_scan(job=job)
    record = ViolationRecord.objects.get()
    assert (record.object_type, record.object_id, record.code) == ("session", session.pk, "session.subject_in_vacation")
    assert record.division_code == "410202" and record.institution_id == session.class_group.course.institution_id
    assert "第十三条" in record.basis
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 1
    assert job.result["by_code"] == {"session.subject_in_vacation": 1}

    first_seen = record.first_seen
    violation_scan()
    record.refresh_from_db()
    assert ViolationRecord.objects.count() == 1 and record.first_seen == first_seen and record.resolved_at is None

    vacation.delete()
    core_calendar.clear_cache()
    result = violation_scan()
    record.refresh_from_db()
    assert record.resolved_at is not None and result.resolved == 1


def test_scan_flags_course_over_a_new_guidance_price_and_late_sessions():
    course = CourseFactory.create(price_per_lesson_fen=8000)
    SessionFactory.create(
        class_group__course=course,
        starts_at=at(datetime.date(2026, 3, 4), 20),
        ends_at=at(datetime.date(2026, 3, 4), 20, 45),
    )
    GuidancePriceFactory.create(benchmark_fen=7000)
    violation_scan()
    assert set(ViolationRecord.objects.values_list("object_type", "code")) == {
        ("course", "course.price_above_ceiling"),
        ("session", "session.offline_ends_late"),
    }


def test_scan_with_prefix_leaves_other_counties_alone():
    SessionFactory.create(
        class_group__course__institution__division_code="410212",
        starts_at=at(datetime.date(2026, 3, 4), 20),
        ends_at=at(datetime.date(2026, 3, 4), 21),
    )
    violation_scan(prefix="410202")
    assert not ViolationRecord.objects.exists()
    violation_scan(prefix="410212")
    assert ViolationRecord.objects.filter(division_code="410212").count() == 1


def test_violation_page_is_scoped_with_counts_by_rule(client, django_assert_max_num_queries):
    late = dict(starts_at=at(datetime.date(2026, 3, 4), 20), ends_at=at(datetime.date(2026, 3, 4), 21))
    for _ in range(3):
        SessionFactory.create(**late)
    SessionFactory.create(
        class_group__course__institution__division_code="410212",
        class_group__course__institution__name="祥符机构",
        **late,
    )
    violation_scan()
    client.force_login(RegulatorFactory.create(username="lt_edu"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("courses:violation_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "线下培训晚于 20:30 结束 3" in body
    assert "祥符机构" not in body
    other = ViolationRecord.objects.get(division_code="410212")
    assert client.get(reverse("courses:violation_open", args=[other.pk])).status_code == 404
    mine = ViolationRecord.objects.filter(division_code="410202").first()
    assert mine is not None
    assert client.get(reverse("courses:violation_open", args=[mine.pk])).status_code == 302


def test_run_scan_now_button_creates_a_job_with_progress(client, django_capture_on_commit_callbacks):
    SessionFactory.create(starts_at=at(datetime.date(2026, 3, 4), 20), ends_at=at(datetime.date(2026, 3, 4), 21))
    client.force_login(RegulatorFactory.create(username="lt_edu"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:violation_scan_start"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="scan-job"' in response.content.decode()
    job = Job.objects.get(kind="courses.violation_scan")
    assert job.division_code == "410202" and job.status == JobStatus.SUCCEEDED
    assert (
        "100%" in response.content.decode()
        or "100%" in client.get(reverse("courses:violation_scan_job", args=[job.pk])).content.decode()
    )
    assert ViolationRecord.objects.count() == 1
