"""Services refuse rule-breaking writes with every violation and write nothing; good writes are audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shuangjian.core import calendar as core_calendar
from shuangjian.core.models import AuditEvent, CalendarDay, DayKind, SchoolVacation
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.courses import services
from shuangjian.courses.models import ClassGroup, Course, Session
from shuangjian.registry.models import InstitutionStatus

from .factories import (
    ClassGroupFactory,
    CourseFactory,
    GuidancePriceFactory,
    SessionFactory,
    SiteFactory,
    at,
    operator_with_institution,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def fresh_calendar():
    core_calendar.clear_cache()
    yield
    core_calendar.clear_cache()


def course_data(**kw: Any) -> services.CourseData:
    base: dict[str, Any] = dict(
        name="初二数学",
        category="subject",
        subject="math",
        format="offline",
        lesson_minutes=45,
        lesson_count=20,
        price_per_lesson_fen=6600,
        class_size_tier="medium",
    )
    base.update(kw)
    return services.CourseData(**base)


def codes(exc: RuleViolationError) -> set[str]:
    return {v.code for v in exc.violations}


def test_course_create_within_rules_is_saved_and_audited():
    user, institution = operator_with_institution()
    GuidancePriceFactory.create(benchmark_fen=6000)
    course = services.course_create(actor=user, data=course_data())
    assert course.institution == institution and course.division_code == "410202"
    assert AuditEvent.objects.filter(action="course.create", object_id=str(course.pk)).exists()


def test_course_over_price_ceiling_and_unlicensed_subject_is_refused_and_nothing_written():
    user, _ = operator_with_institution()
    GuidancePriceFactory.create(benchmark_fen=6000)
    audits = AuditEvent.objects.count()
    with pytest.raises(RuleViolationError) as exc:
        services.course_create(actor=user, data=course_data(subject="physics", price_per_lesson_fen=6601))
    assert codes(exc.value) == {"course.price_above_ceiling", "course.subject_not_licensed"}
    assert all(v.basis for v in exc.value.violations)
    assert Course.objects.count() == 0 and AuditEvent.objects.count() == audits


def test_price_lookup_uses_longest_prefix_and_latest_effective_date():
    GuidancePriceFactory.create(division_code="41", benchmark_fen=9000)
    GuidancePriceFactory.create(division_code="4102", benchmark_fen=5000, effective_from=datetime.date(2024, 1, 1))
    GuidancePriceFactory.create(division_code="4102", benchmark_fen=6000, effective_from=datetime.date(2025, 1, 1))
    GuidancePriceFactory.create(division_code="4102", benchmark_fen=7000, effective_from=datetime.date(2099, 1, 1))
    found = services.guidance_benchmark(division_code="410202", class_size_tier="medium", course_format="offline")
    assert found is not None and found.benchmark_fen == 6000
    other = services.guidance_benchmark(division_code="410102", class_size_tier="medium", course_format="offline")
    assert other is not None and other.benchmark_fen == 9000
    assert (
        services.guidance_benchmark(division_code="140105", class_size_tier="medium", course_format="offline") is None
    )


def test_malformed_course_is_a_validation_error_not_a_violation():
    user, _ = operator_with_institution()
    with pytest.raises(ValidationError) as exc:
        services.course_create(actor=user, data=course_data(format="telepathy"))
    assert not isinstance(exc.value, RuleViolationError)
    assert Course.objects.count() == 0


def test_course_update_refused_leaves_the_course_as_it_was():
    user, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    with pytest.raises(RuleViolationError):
        services.course_update(actor=user, course=course, data=course_data(format="online_live", lesson_minutes=40))
    course.refresh_from_db()
    assert course.format == "offline" and course.lesson_minutes == 45


def test_only_the_owning_operator_writes():
    user, _ = operator_with_institution()
    other_course = CourseFactory.create()
    with pytest.raises(Http404):
        services.course_update(actor=user, course=other_course, data=course_data())
    with pytest.raises(Http404):
        services.course_create(actor=RegulatorFactory.create(), data=course_data())


def test_session_ending_2045_offline_is_refused_2030_accepted():
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    with pytest.raises(RuleViolationError) as exc:
        services.session_create(
            actor=user, class_group=group, starts_at=at(WEDNESDAY, 19), ends_at=at(WEDNESDAY, 20, 45)
        )
    assert codes(exc.value) == {"session.offline_ends_late"}
    assert "20:30" in exc.value.violations[0].message
    assert Session.objects.count() == 0
    session = services.session_create(
        actor=user, class_group=group, starts_at=at(WEDNESDAY, 19, 45), ends_at=at(WEDNESDAY, 20, 30)
    )
    assert session.division_code == "410202"
    assert AuditEvent.objects.filter(action="session.create").count() == 1


def test_subject_session_on_entered_holiday_refused_on_make_up_workday_accepted():
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    CalendarDay.objects.create(date=WEDNESDAY, kind=DayKind.HOLIDAY, name="测试假日")
    saturday = WEDNESDAY + datetime.timedelta(days=3)
    CalendarDay.objects.create(date=saturday, kind=DayKind.WORKDAY, name="调休上班")
    core_calendar.clear_cache()
    with pytest.raises(RuleViolationError) as exc:
        services.session_create(actor=user, class_group=group, starts_at=at(WEDNESDAY, 18), ends_at=at(WEDNESDAY, 19))
    assert codes(exc.value) == {"session.subject_on_holiday"}
    services.session_create(actor=user, class_group=group, starts_at=at(saturday, 9), ends_at=at(saturday, 10))


def test_online_sessions_need_a_ten_minute_break():
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(
        course__institution=institution, course__format="online_live", course__lesson_minutes=30, site=None
    )
    services.session_create(actor=user, class_group=group, starts_at=at(WEDNESDAY, 18), ends_at=at(WEDNESDAY, 18, 30))
    with pytest.raises(RuleViolationError) as exc:
        services.session_create(
            actor=user, class_group=group, starts_at=at(WEDNESDAY, 18, 39), ends_at=at(WEDNESDAY, 19, 9)
        )
    assert codes(exc.value) == {"session.online_break_too_short"}
    services.session_create(
        actor=user, class_group=group, starts_at=at(WEDNESDAY, 18, 40), ends_at=at(WEDNESDAY, 19, 10)
    )


def test_weekly_generation_is_all_or_nothing_with_violations_by_date():
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    SchoolVacation.objects.create(
        division_code="4102", kind="summer", start=datetime.date(2026, 7, 11), end=datetime.date(2026, 8, 31)
    )
    core_calendar.clear_cache()
    pattern = services.WeeklyPattern(
        weekdays=[0, 2],
        start_time=datetime.time(18),
        end_time=datetime.time(19),
        date_from=datetime.date(2026, 7, 1),
        date_to=datetime.date(2026, 7, 15),
    )
    with pytest.raises(RuleViolationError) as exc:
        services.sessions_generate_weekly(actor=user, class_group=group, pattern=pattern)
    assert codes(exc.value) == {"session.subject_in_vacation"}
    assert [v.message[:10] for v in exc.value.violations] == ["2026-07-13", "2026-07-15"]
    assert Session.objects.count() == 0
    pattern.date_to = datetime.date(2026, 7, 10)
    created = services.sessions_generate_weekly(actor=user, class_group=group, pattern=pattern)
    assert [s.starts_at.date() for s in created] == [datetime.date(2026, 7, d) for d in (1, 6, 8)]
    assert Session.objects.count() == 3


def test_session_update_and_cancel():
    user, institution = operator_with_institution()
    session = SessionFactory.create(class_group__course__institution=institution)
    with pytest.raises(RuleViolationError):
        services.session_update(actor=user, session=session, starts_at=at(WEDNESDAY, 20), ends_at=at(WEDNESDAY, 21))
    session.refresh_from_db()
    assert session.ends_at == at(WEDNESDAY, 18, 45)
    services.session_update(actor=user, session=session, starts_at=at(WEDNESDAY, 19), ends_at=at(WEDNESDAY, 19, 45))
    services.session_cancel(actor=user, session=session)
    session.refresh_from_db()
    assert session.is_cancelled and session.starts_at == at(WEDNESDAY, 19)


def test_class_group_capacity_beyond_site_and_tier_refused():
    user, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution, class_size_tier="medium")
    small_site = SiteFactory.create(institution=institution, usable_area_m2=60)  # 20 students
    data = services.ClassGroupData(course_id=course.pk, name="大班", capacity=36, site_id=small_site.pk)
    with pytest.raises(RuleViolationError) as exc:
        services.class_group_create(actor=user, data=data)
    assert codes(exc.value) == {"class_group.capacity_over_site", "class_group.capacity_over_tier"}
    assert ClassGroup.objects.count() == 0
    data.capacity = 20
    group = services.class_group_create(actor=user, data=data)
    assert group.division_code == "410202"


def test_class_group_with_other_institutions_site_or_unemployed_trainer_refused():
    user, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    foreign = SiteFactory.create()
    data = services.ClassGroupData(course_id=course.pk, name="班", capacity=10, site_id=foreign.pk, trainer_ids=[999])
    with pytest.raises(RuleViolationError) as exc:
        services.class_group_create(actor=user, data=data)
    assert codes(exc.value) == {"class_group.site_not_own", "class_group.trainer_not_employed"}


def test_suspended_institution_cannot_add_courses():
    user, _ = operator_with_institution(status=InstitutionStatus.SUSPENDED)
    with pytest.raises(RuleViolationError) as exc:
        services.course_create(actor=user, data=course_data())
    assert "course.institution_not_active" in codes(exc.value)


def test_upserts_are_idempotent():
    user, _institution = operator_with_institution()
    first, created = services.course_upsert(actor=user, external_id="C-1", data=course_data())
    audits = AuditEvent.objects.count()
    again, created_again = services.course_upsert(actor=user, external_id="C-1", data=course_data())
    assert created and not created_again and first.pk == again.pk
    assert AuditEvent.objects.count() == audits
    group = ClassGroupFactory.create(course=first)
    s1, c1 = services.session_upsert(
        actor=user, external_id="S-1", class_group=group, starts_at=at(WEDNESDAY, 18), ends_at=at(WEDNESDAY, 19)
    )
    s2, c2 = services.session_upsert(
        actor=user, external_id="S-1", class_group=group, starts_at=at(WEDNESDAY, 18), ends_at=at(WEDNESDAY, 19)
    )
    assert c1 and not c2 and s1.pk == s2.pk and Session.objects.count() == 1


def test_material_filing_and_review():
    user, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    from django.core.files.uploadedfile import SimpleUploadedFile

    material = services.material_file(
        actor=user, course=course, title="讲义第一册", file=SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    )
    regulator = RegulatorFactory.create()
    with pytest.raises(RuleViolationError):
        services.material_review(actor=regulator, material=material, approve=False, comment=" ")
    services.material_review(actor=regulator, material=material, approve=True)
    material.refresh_from_db()
    assert material.status == "approved" and material.reviewer == regulator
    outsider = RegulatorFactory.create(scope_code="410212")
    with pytest.raises(Http404):
        services.material_review(actor=outsider, material=material, approve=False, comment="x")


def test_guidance_price_set_in_scope_only_and_audited():
    city = RegulatorFactory.create(scope_code="4102")
    row = services.guidance_price_set(
        actor=city,
        division_code="4102",
        class_size_tier="small",
        price_format="offline",
        benchmark_fen=8000,
        effective_from=datetime.date(2026, 1, 1),
        document_no="汴发改〔2026〕1号",
    )
    assert AuditEvent.objects.filter(action="guidance_price.set", object_id=str(row.pk)).exists()
    with pytest.raises(RuleViolationError):
        services.guidance_price_set(
            actor=city,
            division_code="4101",
            class_size_tier="small",
            price_format="offline",
            benchmark_fen=8000,
            effective_from=datetime.date(2026, 1, 1),
        )


def test_generating_the_same_week_twice_is_refused_as_overlapping():
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    pattern = services.WeeklyPattern(
        weekdays=[2],
        start_time=datetime.time(18),
        end_time=datetime.time(19),
        date_from=datetime.date(2026, 3, 2),
        date_to=datetime.date(2026, 3, 15),
    )
    services.sessions_generate_weekly(actor=user, class_group=group, pattern=pattern)
    with pytest.raises(RuleViolationError) as exc:
        services.sessions_generate_weekly(actor=user, class_group=group, pattern=pattern)
    assert codes(exc.value) == {"session.overlaps"}
    assert Session.objects.count() == 2
