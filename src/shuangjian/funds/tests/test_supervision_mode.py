"""The supervision mode has one source of truth, the funds records: the registry's copy follows them everywhere."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef

from shuangjian.core.models import AuditEvent
from shuangjian.registry.models import Institution, SupervisionMode

from .. import ledger, services
from ..models import CustodyAccount, RiskDeposit
from .factories import BankFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def mode(inst: Institution) -> str:
    return Institution.objects.get(pk=inst.pk).supervision_mode


def test_mode_follows_opening_and_closing_accounts_and_deposits() -> None:
    bank = BankFactory.create()
    inst = InstitutionFactory.create()
    assert mode(inst) == SupervisionMode.NONE
    deposit = services.risk_deposit_record(actor=None, institution=inst, amount_fen=1_000_000, required_share_bp=2000)
    assert mode(inst) == SupervisionMode.RISK_DEPOSIT
    account = services.custody_account_open(actor=None, institution=inst, bank=bank, account_no="6222001")
    assert mode(inst) == SupervisionMode.BANK_CUSTODY
    services.custody_account_close(actor=None, account=account)
    assert mode(inst) == SupervisionMode.RISK_DEPOSIT
    services.risk_deposit_release(actor=None, deposit=deposit)
    assert mode(inst) == SupervisionMode.NONE
    assert AuditEvent.objects.filter(action="institution.supervision_mode").count() == 4
    # The deposit is in the ledger as a balanced pair, and the ledger's invariants hold.
    assert ledger.account_by_key(f"deposit:cash:i:{inst.pk}").balance_fen == 1_000_000
    assert ledger.ledger_invariant_problems() == []


def registry_disagreements() -> list[tuple[str, str, bool, bool]]:
    custody = CustodyAccount.objects.filter(institution=OuterRef("pk"), is_active=True)
    deposit = RiskDeposit.objects.filter(institution=OuterRef("pk"), is_active=True)
    rows = Institution.objects.annotate(c=Exists(custody), d=Exists(deposit)).values_list(
        "name", "supervision_mode", "c", "d"
    )
    wrong = []
    for name, shown, has_custody, has_deposit in rows:
        truth = (
            SupervisionMode.BANK_CUSTODY
            if has_custody
            else SupervisionMode.RISK_DEPOSIT
            if has_deposit
            else SupervisionMode.NONE
        )
        if shown != truth:
            wrong.append((name, shown, has_custody, has_deposit))
    return wrong


@pytest.mark.slow
def test_demo_city_registry_mode_is_what_the_funds_records_say() -> None:
    call_command("demo_city", "--seed", "2026", stdout=StringIO())
    assert registry_disagreements() == []
    # The demo shows all three modes, each backed by its records, in the primary county.
    longting = Institution.objects.filter(division_code="410202")
    for value in SupervisionMode.values:
        assert longting.filter(supervision_mode=value).exists()
    assert (
        RiskDeposit.objects.filter(division_code="410202", is_active=True).count()
        == longting.filter(supervision_mode=SupervisionMode.RISK_DEPOSIT).count()
    )
    assert ledger.ledger_invariant_problems() == []


def test_the_check_itself_catches_a_registry_copy_that_disagrees() -> None:
    inst = InstitutionFactory.create()
    Institution.objects.filter(pk=inst.pk).update(supervision_mode=SupervisionMode.BANK_CUSTODY)
    assert [row[0] for row in registry_disagreements()] == [inst.name]
