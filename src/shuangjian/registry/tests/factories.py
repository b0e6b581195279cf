"""Factories for registry tests: institutions with valid USCCs, sites, operators, applications."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shuangjian.core.models import Department, Role, User
from shuangjian.core.tests.factories import UserFactory
from shuangjian.core.validators import make_resident_id, make_uscc
from shuangjian.registry import hooks
from shuangjian.registry.models import (
    AnnualInspection,
    Category,
    InspectionResult,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LegalForm,
    Site,
    SupervisionMode,
)
from shuangjian.registry.naming import name_sort_key

_seq = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def uscc(prefix: str = "52410202") -> str:
    return make_uscc(f"{prefix}{next(_seq) % 10**8:08d}")


def pdf(name: str = "章程.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution
        skip_postgeneration_save = True  # the hooks below write other rows, not the institution

    name = factory.Sequence(lambda n: f"测试培训学校{n}")
    name_key = factory.LazyAttribute(lambda o: name_sort_key(o.name))
    uscc = factory.LazyFunction(uscc)
    category = Category.SUBJECT
    field = ""
    licensed_subjects = factory.LazyFunction(lambda: ["math"])
    legal_form = LegalForm.NON_PROFIT
    legal_rep_name = "张三"
    legal_rep_id = factory.LazyFunction(lambda: make_resident_id("41020219850101123"))
    address = "开封市龙亭区中山路1号"
    division_code = "410202"
    phone = "0371-12345678"
    status = InstitutionStatus.ACTIVE
    licence_no = factory.Sequence(lambda n: f"教民4102022020{n:05d}")
    licence_issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=200))
    licence_expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=1000))
    approving_department = Department.EDUCATION

    @factory.post_generation
    def announced(obj: Institution, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Written past the services: tell the apps above what the registry's services tell them after a status
        or county write (enforcement's kept coverage figures count the institution)."""
        if create:
            hooks.institutions_changed([obj.pk])


class WhitelistedInstitutionFactory(InstitutionFactory):
    """Meets the white list's definition: fees under bank custody and a passed annual inspection last year."""

    supervision_mode = SupervisionMode.BANK_CUSTODY

    @factory.post_generation
    def inspection(obj: Institution, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            year = timezone.localdate().year - 1
            AnnualInspection.objects.create(
                institution=obj,
                year=year,
                result=InspectionResult.PASSED,
                inspected_on=datetime.date(year, 6, 1),
                division_code=obj.division_code,
            )


class ApplyingInstitutionFactory(InstitutionFactory):
    status = InstitutionStatus.APPLYING
    licence_no = None  # type: ignore[assignment]
    licence_issued_on = None  # type: ignore[assignment]
    licence_expires_on = None  # type: ignore[assignment]
    approving_department = ""  # type: ignore[assignment]


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"教学点{n}")
    address = "开封市龙亭区中山路2号"
    division_code = factory.SelfAttribute("institution.division_code")
    usable_area_m2 = Decimal("150")
    floor = 2
    lease_end = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=800))


class OperatorFactory(UserFactory):
    role = Role.INSTITUTION_OPERATOR


def operator_for(institution: Institution) -> User:
    user = OperatorFactory.create()
    InstitutionOperator.objects.create(user=user, institution=institution)
    return user
