"""Factories for funds tests: an institution with a course, class, student and enrolment; banks; custody."""

from __future__ import annotations

import datetime

import factory

from shuangjian.core.models import Role, User
from shuangjian.core.tests.factories import UserFactory
from shuangjian.core.validators import make_uscc
from shuangjian.courses.models import ClassGroup, ClassSizeTier, Course
from shuangjian.registry.models import Category, Institution, InstitutionOperator, LegalForm, NonSubjectField
from shuangjian.students.models import Enrolment, EnrolmentStatus, Guardianship, Student

from ..models import Bank, CustodyAccount


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试培训机构{n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"52410202MJ{n:06d}"))
    category = Category.NON_SUBJECT
    field = NonSubjectField.ARTS
    legal_form = LegalForm.NON_PROFIT
    legal_rep_name = "张三"
    legal_rep_id = "410202199001011234"
    address = "开封市龙亭区测试路 1 号"
    division_code = "410202"
    status = "active"


class BankFactory(factory.django.DjangoModelFactory[Bank]):
    class Meta:
        model = Bank
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"bank{n}")
    name = factory.Sequence(lambda n: f"测试银行{n}")
    notification_secret = factory.Sequence(lambda n: f"secret-{n}-0123456789abcdef")


class CustodyAccountFactory(factory.django.DjangoModelFactory[CustodyAccount]):
    class Meta:
        model = CustodyAccount

    institution = factory.SubFactory(InstitutionFactory)
    bank = factory.SubFactory(BankFactory)
    account_no = factory.Sequence(lambda n: f"62220000{n:08d}")
    account_name = factory.LazyAttribute(lambda o: o.institution.name)
    settlement_account_no = factory.Sequence(lambda n: f"41050100{n:08d}")
    settlement_account_name = factory.LazyAttribute(lambda o: o.institution.name)
    settlement_bank_name = "中国建设银行开封分行"
    opened_on = datetime.date(2026, 1, 5)
    division_code = factory.LazyAttribute(lambda o: o.institution.division_code)


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"美术课{n}")
    category = Category.NON_SUBJECT
    field = NonSubjectField.ARTS
    lesson_minutes = 45
    lesson_count = 60
    price_per_lesson_fen = 10_000
    class_size_tier = ClassSizeTier.MEDIUM
    division_code = factory.LazyAttribute(lambda o: o.institution.division_code)


class ClassGroupFactory(factory.django.DjangoModelFactory[ClassGroup]):
    class Meta:
        model = ClassGroup

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"周六班{n}")
    capacity = 30
    division_code = factory.LazyAttribute(lambda o: o.course.division_code)


class StudentFactory(factory.django.DjangoModelFactory[Student]):
    class Meta:
        model = Student

    name = factory.Sequence(lambda n: f"学生{n}")
    division_code = "410202"


class EnrolmentFactory(factory.django.DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    student = factory.SubFactory(StudentFactory)
    class_group = factory.SubFactory(ClassGroupFactory)
    institution = factory.LazyAttribute(lambda o: o.class_group.course.institution)
    start_date = datetime.date(2026, 3, 1)
    end_date = datetime.date(2026, 5, 31)
    lessons_bought = 40
    price_per_lesson_fen = 10_000
    total_fee_fen = factory.LazyAttribute(lambda o: o.lessons_bought * o.price_per_lesson_fen)
    status = EnrolmentStatus.ACTIVE
    contract_no = factory.Sequence(lambda n: f"HT2026{n:08d}")
    division_code = factory.LazyAttribute(lambda o: o.institution.division_code)


def parent_of(enrolment: Enrolment) -> User:
    parent = UserFactory.create(role=Role.PARENT)
    Guardianship.objects.create(parent=parent, student=enrolment.student)
    return parent


def operator_of(institution: Institution) -> User:
    user = UserFactory.create(role=Role.INSTITUTION_OPERATOR)
    InstitutionOperator.objects.create(user=user, institution=institution)
    return user
