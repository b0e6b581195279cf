from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.cache import cache

from shuangjian.core.demo import DemoContext
from shuangjian.core.models import Role
from shuangjian.core.tests.factories import UserFactory
from shuangjian.students.demo import build_students
from shuangjian.students.models import Attendance, Enrolment, EnrolmentStatus, Guardianship, Student

from .factories import ClassGroupFactory, CourseFactory, OperatorFactory, SessionFactory, at

pytestmark = pytest.mark.django_db


def test_demo_step_builds_parent_children_enrolments_attendance() -> None:
    cache.clear()
    parent = UserFactory.create(username="parent", role=Role.PARENT)
    for county in ("410202", "410212"):
        operator = OperatorFactory.create(institution__division_code=county)
        course = CourseFactory.create(institution=operator.operated.institution)
        for hour in (9, 14):
            group = ClassGroupFactory.create(course=course, capacity=30)
            for day in (-14, -7, 7):
                SessionFactory.create(
                    class_group=group, starts_at=at(day, hour), ends_at=at(day, hour) + datetime.timedelta(minutes=45)
                )
    ctx = DemoContext(seed=2026, rng=random.Random(2026), out=io.StringIO())
    build_students(ctx)
    assert Student.objects.filter(division_code="410202").count() == 30
    assert Student.objects.filter(division_code="410212").count() == 30
    children = Guardianship.objects.filter(parent=parent)
    assert children.count() == 2
    statuses = sorted(Enrolment.objects.filter(student__guardianships__parent=parent).values_list("status", flat=True))
    assert EnrolmentStatus.ACTIVE in statuses and EnrolmentStatus.PENDING in statuses
    assert Attendance.objects.filter(present=True).exists()
    assert not Attendance.objects.filter(enrolment__status=EnrolmentStatus.PENDING).exists()
    # Running again adds nothing.
    before = Enrolment.objects.count()
    build_students(ctx)
    assert Enrolment.objects.count() == before
