"""Races the row locks must win: the last seat, one pupil in two overlapping classes, the same API call twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.concurrency import race
from shuangjian.students.models import Enrolment, Student
from shuangjian.students.services import StudentData, enrolment_create, enrolment_upsert

from .factories import ClassGroupFactory, CourseFactory, OperatorFactory, SessionFactory, at, resident_id

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _args(operator: Any, group: Any, n: int) -> dict[str, Any]:
    return {
        "actor": operator,
        "class_group": group,
        "student": StudentData(name=f"学生{n}", resident_id=resident_id(n)),
        "start_date": timezone.localdate(),
        "end_date": timezone.localdate() + datetime.timedelta(days=30),
        "lessons_bought": 5,
        "price_per_lesson_fen": 8000,
    }


def test_last_seat_goes_to_one_pupil() -> None:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=operator.operated.institution), capacity=1)
    ok, errors = race(*(lambda n=n: enrolment_create(**_args(operator, group, n)) for n in range(4)))
    assert ok == 1 and len(errors) == 3
    assert all(isinstance(e, RuleViolationError) and e.violations[0].code == "class_full" for e in errors)
    group.refresh_from_db()
    assert group.enrolled_count == 1 == Enrolment.objects.count() == Student.objects.count()


def test_one_pupil_cannot_take_two_overlapping_classes_at_once() -> None:
    operator = OperatorFactory.create()
    course = CourseFactory.create(institution=operator.operated.institution)
    groups = [ClassGroupFactory.create(course=course) for _ in range(2)]
    for g in groups:
        SessionFactory.create(class_group=g, starts_at=at(3, 9), ends_at=at(3, 10))
    # The pupil exists already (a first enrolment elsewhere), so both writers lock the same row.
    enrolment_create(**_args(operator, ClassGroupFactory.create(course=course), 1))
    ok, errors = race(*(lambda g=g: enrolment_create(**_args(operator, g, 1)) for g in groups))
    assert ok == 1 and len(errors) == 1
    assert isinstance(errors[0], RuleViolationError) and errors[0].violations[0].code == "schedule_conflict"


def test_same_api_write_twice_at_once_leaves_one_row() -> None:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=operator.operated.institution))
    args = {**_args(operator, group, 1), "external_id": "E-1"}
    ok, errors = race(*(lambda: enrolment_upsert(**args) for _ in range(3)))
    assert ok == 3 and not errors
    assert Enrolment.objects.count() == 1
    group.refresh_from_db()
    assert group.enrolled_count == 1


def test_new_pupil_enrolled_twice_at_once_into_overlapping_classes() -> None:
    operators = [OperatorFactory.create() for _ in range(2)]
    groups = []
    for op in operators:
        g = ClassGroupFactory.create(course=CourseFactory.create(institution=op.operated.institution))
        SessionFactory.create(class_group=g, starts_at=at(3, 9), ends_at=at(3, 10))
        groups.append(g)
    ok, errors = race(
        *(lambda op=op, g=g: enrolment_create(**_args(op, g, 7)) for op, g in zip(operators, groups, strict=True))
    )
    assert ok == 1 and len(errors) == 1
    assert isinstance(errors[0], RuleViolationError) and errors[0].violations[0].code == "schedule_conflict"
    assert Student.objects.count() == 1 and Enrolment.objects.count() == 1
