"""Factories for the students app's tests: an operated institution, a course with a class group and sessions."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from shuangjian.core.models import Role, User
from shuangjian.core.tests.factories import UserFactory
from shuangjian.core.validators import make_resident_id, make_uscc
from shuangjian.courses.models import ClassGroup, ClassSizeTier, Course, Session
from shuangjian.registry.models import (
    Category,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LegalForm,
    Subject,
    SupervisionMode,
)
from shuangjian.students.models import Enrolment, EnrolmentStatus, Guardianship, Student


def resident_id(n: int, division: str = "410202", born: str = "20150601") -> str:
    return make_resident_id(f"{division}{born}{n % 1000:03d}")


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"学员测试培训学校{n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"52410202{n + 7000000:08d}"))
    category = Category.SUBJECT
    legal_form = LegalForm.NON_PROFIT
    legal_rep_name = "王校长"
    legal_rep_id = factory.Sequence(lambda n: resident_id(n, born="19800101"))
    address = "开封市龙亭区中山路1号"
    division_code = "410202"
    status = InstitutionStatus.ACTIVE
    licence_no = factory.Sequence(lambda n: f"教民141020270{n:05d}")
    supervision_mode = SupervisionMode.BANK_CUSTODY
    phone = "0371-12345678"


class OperatorFactory(UserFactory):
    role = Role.INSTITUTION_OPERATOR

    @factory.post_generation
    def institution(obj: User, create: bool, extracted: Institution | None, **kwargs: Any) -> None:
        if create:
            InstitutionOperator.objects.create(user=obj, institution=extracted or InstitutionFactory.create(**kwargs))


class ParentFactory(UserFactory):
    role = Role.PARENT


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"初中数学提高班{n}")
    category = Category.SUBJECT
    subject = Subject.MATH
    lesson_minutes = 45
    lesson_count = 20
    price_per_lesson_fen = 8000
    class_size_tier = ClassSizeTier.MEDIUM
    division_code = factory.SelfAttribute("institution.division_code")


class ClassGroupFactory(factory.django.DjangoModelFactory[ClassGroup]):
    class Meta:
        model = ClassGroup

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"周六上午{n}班")
    capacity = 20
    division_code = factory.SelfAttribute("course.division_code")


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A local time ``days`` from today, at hour:minute."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class SessionFactory(factory.django.DjangoModelFactory[Session]):
    class Meta:
        model = Session

    class_group = factory.SubFactory(ClassGroupFactory)
    starts_at = factory.Sequence(lambda n: at(n + 1, 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=45))
    division_code = factory.SelfAttribute("class_group.division_code")


class StudentFactory(factory.django.DjangoModelFactory[Student]):
    class Meta:
        model = Student

    name = factory.Sequence(lambda n: f"学生{n}")
    resident_id = factory.Sequence(lambda n: resident_id(n + 100))
    grade = "七年级"
    school_name = "龙亭区实验中学"
    school_code = "SCH001"
    division_code = "410202"


class EnrolmentFactory(factory.django.DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    student = factory.SubFactory(StudentFactory)
    class_group = factory.SubFactory(ClassGroupFactory)
    institution = factory.SelfAttribute("class_group.course.institution")
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    lessons_bought = 10
    price_per_lesson_fen = 8000
    total_fee_fen = factory.LazyAttribute(lambda o: o.lessons_bought * o.price_per_lesson_fen)
    status = EnrolmentStatus.ACTIVE
    contract_no = factory.Sequence(lambda n: f"HTTEST-{n:06d}")
    division_code = factory.SelfAttribute("institution.division_code")


class GuardianshipFactory(factory.django.DjangoModelFactory[Guardianship]):
    class Meta:
        model = Guardianship

    parent = factory.SubFactory(ParentFactory)
    student = factory.SubFactory(StudentFactory)
