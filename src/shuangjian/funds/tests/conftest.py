from __future__ import annotations

from dataclasses import dataclass

import pytest

from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from ..models import Bank
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory


@dataclass
class World:
    bank: Bank
    institution: Institution
    enrolment: Enrolment


@pytest.fixture
def world(db: object) -> World:
    bank = BankFactory.create(code="simbank", notification_secret="test-secret")
    institution = InstitutionFactory.create()
    CustodyAccountFactory.create(institution=institution, bank=bank)
    enrolment = EnrolmentFactory.create(class_group__course__institution=institution)
    return World(bank=bank, institution=institution, enrolment=enrolment)
