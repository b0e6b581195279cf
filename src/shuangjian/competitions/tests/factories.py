"""Factories for the competitions app's tests: filings in any state, built directly (services are tested apart)."""

from __future__ import annotations

import datetime
import itertools

import factory

from shuangjian.competitions.models import Competition, CompetitionStatus, OrganiserKind, SubjectArea
from shuangjian.competitions.services import CompetitionData
from shuangjian.core.models import Department, User
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.validators import make_uscc

_seq = itertools.count(1)

CERTIFICATE = "本证书仅记录参赛经历，不作为招生入学依据。"
START = datetime.date(2026, 5, 16)


def association_uscc() -> str:
    return make_uscc(f"51410202{next(_seq) % 10**8:08d}")


def education_regulator(scope: str = "410202", **kwargs: object) -> User:
    user: User = RegulatorFactory.create(scope_code=scope, department=Department.EDUCATION, **kwargs)
    return user


def data(**changes: object) -> CompetitionData:
    """A filing that meets every rule: an association's free contest with the certificate statement."""
    values: dict[str, object] = {
        "name": "龙亭区青少年科技创新大赛",
        "subject_area": SubjectArea.SCIENCE,
        "levels": ["五年级", "六年级"],
        "starts_on": START,
        "ends_on": START + datetime.timedelta(days=1),
        "places": "龙亭区青少年宫",
        "fee_fen": 0,
        "certificate_text": CERTIFICATE,
        "contact_name": "刘老师",
        "contact_phone": "0371-22334455",
        "organiser_name": "开封市龙亭区青少年科技教育协会",
        "organiser_uscc": association_uscc(),
        "division_code": "410202",
    }
    values.update(changes)
    return CompetitionData(**values)  # type: ignore[arg-type]


class CompetitionFactory(factory.django.DjangoModelFactory[Competition]):
    class Meta:
        model = Competition

    name = factory.Sequence(lambda n: f"测试竞赛{n}")
    organiser_kind = OrganiserKind.ASSOCIATION
    organiser_name = "开封市龙亭区青少年科技教育协会"
    organiser_uscc = factory.LazyFunction(association_uscc)
    subject_area = SubjectArea.SCIENCE
    levels = factory.LazyFunction(lambda: ["五年级"])
    starts_on = START
    ends_on = START
    places = "龙亭区青少年宫"
    fee_fen = 0
    certificate_text = CERTIFICATE
    contact_name = "刘老师"
    contact_phone = "0371-22334455"
    division_code = "410202"
    cycle = 2026
    status = CompetitionStatus.DRAFT
