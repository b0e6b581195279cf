"""Factories for the staff and schools tests: operated institutions, people, certificates, schools, rosters."""

from __future__ import annotations

import datetime
import io
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shuangjian.core.models import Role, User
from shuangjian.core.tests.factories import UserFactory
from shuangjian.core.validators import make_resident_id, make_uscc
from shuangjian.registry.models import (
    Category,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LegalForm,
    NonSubjectField,
)
from shuangjian.schools.models import School, SchoolAdmin
from shuangjian.staff.models import Person, Qualification, QualificationKind, TeacherLevel
from shuangjian.staff.services import EmploymentData, QualificationData


def rid(n: int, division: str = "410202", born: str = "19900101") -> str:
    return make_resident_id(f"{division}{born}{n % 1000:03d}")


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"从业测试培训学校{n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"52410202{n + 8100000:08d}"))
    category = Category.SUBJECT
    legal_form = LegalForm.NON_PROFIT
    legal_rep_name = "李校长"
    legal_rep_id = factory.Sequence(lambda n: rid(n, born="19750101"))
    address = "开封市龙亭区中山路2号"
    division_code = "410202"
    status = InstitutionStatus.ACTIVE
    licence_no = factory.Sequence(lambda n: f"教民141020281{n:05d}")


class SportsInstitutionFactory(InstitutionFactory):
    category = Category.NON_SUBJECT
    field = NonSubjectField.SPORTS


class OperatorFactory(UserFactory):
    role = Role.INSTITUTION_OPERATOR

    @factory.post_generation
    def institution(obj: User, create: bool, extracted: Institution | None, **kwargs: Any) -> None:
        if create:
            InstitutionOperator.objects.create(user=obj, institution=extracted or InstitutionFactory.create())


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"教师{n}")
    resident_id = factory.Sequence(lambda n: rid(n + 500, born="19880303"))


class TeacherCertificateFactory(factory.django.DjangoModelFactory[Qualification]):
    class Meta:
        model = Qualification

    person = factory.SubFactory(PersonFactory)
    kind = QualificationKind.TEACHER_CERTIFICATE
    number = factory.Sequence(lambda n: f"2019410020{n:06d}")
    subject = "math"
    level = TeacherLevel.JUNIOR


class SchoolFactory(factory.django.DjangoModelFactory[School]):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"开封市第{n + 1}中学")
    code = factory.Sequence(lambda n: f"21410202{n:04d}")
    division_code = "410202"


class SchoolAdminUserFactory(UserFactory):
    role = Role.SCHOOL_ADMIN
    scope_code = "410202"

    @factory.post_generation
    def school(obj: User, create: bool, extracted: School | None, **kwargs: Any) -> None:
        if create:
            SchoolAdmin.objects.create(user=obj, school=extracted or SchoolFactory.create())


def math_teacher(resident_id: str, name: str = "王老师", **kw: Any) -> EmploymentData:
    """A subject-type trainer teaching maths with a matching teacher certificate."""
    values: dict[str, Any] = {
        "resident_id": resident_id,
        "name": name,
        "start": datetime.date(2026, 9, 1),
        "role": "trainer",
        "subjects": ("math",),
        "qualifications": (
            QualificationData(
                kind="teacher_certificate", number=f"C{resident_id[-8:]}", subject="math", level="junior"
            ),
        ),
    }
    values.update(kw)
    return EmploymentData(**values)


def roster_file(rows: list[tuple[Any, Any]], headers: tuple[str, str] = ("姓名", "身份证号")) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(
        "roster.xlsx", out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def school_of(user: User) -> School:
    return School.objects.get(admins__user=user)
