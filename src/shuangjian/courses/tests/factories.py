"""Factories for the courses app's tests: an operated institution with a site, courses, class groups, sessions."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from shuangjian.core.models import User
from shuangjian.courses.models import ClassGroup, ClassSizeTier, Course, CourseFormat, GuidancePrice, Session
from shuangjian.registry.models import Category, Institution, InstitutionOperator
from shuangjian.registry.tests.factories import InstitutionFactory, OperatorFactory, SiteFactory

__all__ = [
    "ClassGroupFactory",
    "CourseFactory",
    "GuidancePriceFactory",
    "InstitutionFactory",
    "SessionFactory",
    "SiteFactory",
    "at",
    "operator_with_institution",
]


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware datetime in Asia/Shanghai."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def operator_with_institution(**institution_kwargs: Any) -> tuple[User, Institution]:
    institution: Institution = InstitutionFactory.create(**institution_kwargs)
    user: User = OperatorFactory.create()
    InstitutionOperator.objects.create(user=user, institution=institution)
    return user, institution


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"初中数学提高班{n}")
    category = Category.SUBJECT
    subject = "math"
    field = ""
    format = CourseFormat.OFFLINE
    lesson_minutes = 45
    lesson_count = 20
    price_per_lesson_fen = 8000
    class_size_tier = ClassSizeTier.MEDIUM
    division_code = factory.SelfAttribute("institution.division_code")


class ClassGroupFactory(factory.django.DjangoModelFactory[ClassGroup]):
    class Meta:
        model = ClassGroup

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"周三晚班{n}")
    site = factory.SubFactory(SiteFactory, institution=factory.SelfAttribute("..course.institution"))
    capacity = 20
    division_code = factory.SelfAttribute("course.division_code")


class SessionFactory(factory.django.DjangoModelFactory[Session]):
    class Meta:
        model = Session

    class_group = factory.SubFactory(ClassGroupFactory)
    starts_at = factory.LazyFunction(lambda: at(datetime.date(2026, 3, 4), 18))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=45))
    division_code = factory.SelfAttribute("class_group.division_code")


class GuidancePriceFactory(factory.django.DjangoModelFactory[GuidancePrice]):
    class Meta:
        model = GuidancePrice

    division_code = "4102"
    class_size_tier = ClassSizeTier.MEDIUM
    format = "offline"
    benchmark_fen = 6000
    effective_from = datetime.date(2025, 1, 1)
