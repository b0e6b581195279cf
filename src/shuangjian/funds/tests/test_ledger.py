from __future__ import annotations

import datetime

import pytest

from shuangjian.core.models import AuditEvent
from shuangjian.registry.models import Institution, SupervisionMode

from .. import ledger, services
from ..ledger import LedgerError
from ..models import AccountKind, ConsumptionRequest, ConsumptionStatus, EntryKind, JournalEntry, LedgerAccount, Posting
from .factories import BankFactory, EnrolmentFactory, InstitutionFactory


def consumption(enrolment, status=ConsumptionStatus.CONFIRMED, amount=None):
    return ConsumptionRequest.objects.create(
        enrolment=enrolment,
        institution=enrolment.institution,
        amount_fen=amount or enrolment.price_per_lesson_fen,
        status=status,
        due_date=datetime.date(2026, 4, 1),
        division_code=enrolment.division_code,
    )


def test_payment_then_release_then_payout_keeps_books_balanced(world):
    e = world.enrolment
    ledger.post_payment_in(actor=None, enrolment=e, amount_fen=30_000, bank=world.bank, bank_reference="B1")
    ledger.post_release(actor=None, consumption=consumption(e))
    ledger.post_payout(actor=None, institution=world.institution, amount_fen=10_000, reference="PAY1")
    assert ledger.account_for_parent_enrolment(e).balance_fen == 20_000
    assert ledger.account_custody_cash(world.institution).balance_fen == 20_000
    assert ledger.account_institution_settled(world.institution).balance_fen == 0
    assert ledger.ledger_invariant_problems() == []
    # One audit event per entry, naming the kind.
    assert AuditEvent.objects.filter(action__startswith="ledger.").count() == 3
    assert AuditEvent.objects.filter(action="ledger.release").exists()


@pytest.mark.parametrize(
    ("amounts", "code"),
    [
        ([100, -99], "ledger_unbalanced"),
        ([100.0, -100.0], "ledger_not_integer"),
        ([True, -1], "ledger_not_integer"),
        ([0, 0], "ledger_zero_line"),
        ([100], "ledger_too_few_lines"),
        ([ledger.MAX_POSTING_FEN + 1, -(ledger.MAX_POSTING_FEN + 1)], "ledger_too_large"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_booked(world, amounts, code):
    cash = ledger.account_custody_cash(world.institution)
    prepaid = ledger.account_for_parent_enrolment(world.enrolment)
    accounts = [cash, prepaid]
    with pytest.raises(LedgerError) as err:
        ledger.journal_post(
            actor=None, kind=EntryKind.ADJUSTMENT, lines=[(accounts[i], a) for i, a in enumerate(amounts)]
        )
    assert err.value.code == code
    assert JournalEntry.objects.count() == 0
    assert Posting.objects.count() == 0


def test_parent_balance_never_below_zero(world):
    e = world.enrolment
    ledger.post_payment_in(actor=None, enrolment=e, amount_fen=5_000)
    with pytest.raises(LedgerError) as err:
        ledger.post_refund_approve(actor=None, enrolment=e, amount_fen=5_001)
    assert err.value.code == "ledger_insufficient"
    assert ledger.account_for_parent_enrolment(e).balance_fen == 5_000
    ledger.post_refund_approve(actor=None, enrolment=e, amount_fen=5_000)
    assert LedgerAccount.objects.get(key=f"prepaid:e:{e.pk}").balance_fen == 0
    assert ledger.account_refunds_payable(world.institution).balance_fen == 5_000
    assert ledger.ledger_invariant_problems() == []


def test_release_needs_a_confirmed_consumption_and_happens_once(world):
    e = world.enrolment
    ledger.post_payment_in(actor=None, enrolment=e, amount_fen=50_000)
    pending = consumption(e, status=ConsumptionStatus.PENDING)
    with pytest.raises(LedgerError) as err:
        ledger.post_release(actor=None, consumption=pending)
    assert err.value.code == "ledger_release_unconfirmed"
    disputed = consumption(e, status=ConsumptionStatus.DISPUTED)
    with pytest.raises(LedgerError):
        ledger.post_release(actor=None, consumption=disputed)
    # A release entry without any consumption is refused too.
    with pytest.raises(LedgerError) as err:
        ledger.journal_post(
            actor=None,
            kind=EntryKind.RELEASE,
            lines=[
                (ledger.account_for_parent_enrolment(e), 100),
                (ledger.account_institution_settled(world.institution), -100),
            ],
        )
    assert err.value.code == "ledger_release_unconfirmed"
    ok = consumption(e, status=ConsumptionStatus.AUTO_CONFIRMED)
    entry = ledger.post_release(actor=None, consumption=ok)
    ok.refresh_from_db()
    assert ok.release_entry == entry
    with pytest.raises(LedgerError) as err:
        ledger.post_release(actor=None, consumption=ok)
    assert err.value.code == "ledger_release_twice"
    assert ledger.account_institution_settled(world.institution).balance_fen == e.price_per_lesson_fen


def test_release_amount_must_equal_the_confirmed_price(world):
    e = world.enrolment
    ledger.post_payment_in(actor=None, enrolment=e, amount_fen=50_000)
    c = consumption(e)
    with pytest.raises(LedgerError) as err:
        ledger.journal_post(
            actor=None,
            kind=EntryKind.RELEASE,
            lines=[
                (ledger.account_for_parent_enrolment(e), c.amount_fen + 1),
                (ledger.account_institution_settled(world.institution), -(c.amount_fen + 1)),
            ],
            consumption=c,
        )
    assert err.value.code == "ledger_release_mismatch"


def test_idempotency_key_books_once(world):
    first = ledger.post_payment_in(actor=None, enrolment=world.enrolment, amount_fen=1_000, idempotency_key="k1")
    again = ledger.post_payment_in(actor=None, enrolment=world.enrolment, amount_fen=1_000, idempotency_key="k1")
    assert first.pk == again.pk
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 1_000


def test_suspense_money_is_custody_cash_and_can_be_allocated(world):
    ledger.post_suspense_in(actor=None, bank=world.bank, amount_fen=7_000, bank_reference="X")
    t = ledger.ledger_totals()
    assert t.custody_cash_fen == t.suspense_fen == 7_000
    ledger.post_suspense_allocate(actor=None, bank=world.bank, enrolment=world.enrolment, amount_fen=7_000)
    t = ledger.ledger_totals()
    assert (t.suspense_fen, t.parent_prepaid_fen, t.custody_cash_fen) == (0, 7_000, 7_000)
    assert ledger.ledger_invariant_problems() == []


def test_invariant_check_catches_a_tampered_balance(world):
    ledger.post_payment_in(actor=None, enrolment=world.enrolment, amount_fen=1_000)
    LedgerAccount.objects.filter(kind=AccountKind.PARENT_PREPAID).update(balance_fen=999)
    problems = ledger.ledger_invariant_problems()
    assert any("balance 999" in p for p in problems)
    assert any("custody cash" in p for p in problems)


def test_custody_account_and_risk_deposit_set_the_supervision_mode(db):
    bank = BankFactory.create()
    inst = InstitutionFactory.create()
    other = InstitutionFactory.create()
    services.risk_deposit_record(actor=None, institution=other, amount_fen=1_000_000, required_share_bp=2000)
    services.custody_account_open(actor=None, institution=inst, bank=bank, account_no="6222001")
    assert Institution.objects.get(pk=inst.pk).supervision_mode == SupervisionMode.BANK_CUSTODY
    assert Institution.objects.get(pk=other.pk).supervision_mode == SupervisionMode.RISK_DEPOSIT
    # A deposit never downgrades custody.
    services.risk_deposit_record(actor=None, institution=inst, amount_fen=1, required_share_bp=1)
    assert Institution.objects.get(pk=inst.pk).supervision_mode == SupervisionMode.BANK_CUSTODY
    assert AuditEvent.objects.filter(action="institution.supervision_mode").count() == 2
    # Opening a new account closes the old one: exactly one active.
    services.custody_account_open(actor=None, institution=inst, bank=bank, account_no="6222002")
    assert inst.custody_accounts.filter(is_active=True).get().account_no == "6222002"


def test_entries_of_other_institutions_do_not_mix(db):
    a = EnrolmentFactory.create()
    b = EnrolmentFactory.create()
    ledger.post_payment_in(actor=None, enrolment=a, amount_fen=100)
    ledger.post_payment_in(actor=None, enrolment=b, amount_fen=200)
    assert ledger.ledger_totals(a.institution).custody_cash_fen == 100
    assert ledger.ledger_totals(b.institution).custody_cash_fen == 200


def test_batch_posts_all_or_nothing_checking_balances_in_order(world):
    e, inst = world.enrolment, world.institution
    cash, prepaid, payable = (
        ledger.account_custody_cash(inst),
        ledger.account_for_parent_enrolment(e),
        ledger.account_refunds_payable(inst),
    )
    pay = ledger.EntrySpec(EntryKind.PAYMENT_IN, [(cash, 500), (prepaid, -500)], institution=inst)
    refund = ledger.EntrySpec(EntryKind.REFUND_APPROVE, [(prepaid, 300), (payable, -300)], institution=inst)
    # Refund before the payment: the running balance would dip below zero at entry 1.
    with pytest.raises(LedgerError) as err:
        ledger.journal_post_batch(actor=None, entries=[refund, pay])
    assert err.value.code == "ledger_insufficient"
    assert JournalEntry.objects.count() == 0
    rows = ledger.journal_post_batch(actor=None, entries=[pay, refund, pay])
    assert len(rows) == 3
    assert LedgerAccount.objects.get(pk=prepaid.pk).balance_fen == 700
    assert LedgerAccount.objects.get(pk=cash.pk).balance_fen == 1000
    assert AuditEvent.objects.filter(action="ledger.batch").count() == 1
    assert ledger.ledger_invariant_problems() == []
    # A batch that would leave a balance below zero at its end is refused the same way (on PostgreSQL the balance
    # CHECK would otherwise answer first), and nothing of it stays.
    overdraw = ledger.EntrySpec(EntryKind.REFUND_APPROVE, [(prepaid, 1_300), (payable, -1_300)], institution=inst)
    with pytest.raises(LedgerError) as err:
        ledger.journal_post_batch(actor=None, entries=[pay, overdraw])
    assert err.value.code == "ledger_insufficient" and "第 2 笔" in str(err.value)
    assert JournalEntry.objects.count() == 3
    assert LedgerAccount.objects.get(pk=prepaid.pk).balance_fen == 700
    assert LedgerAccount.objects.get(pk=cash.pk).balance_fen == 1000
    with pytest.raises(LedgerError) as err:
        ledger.journal_post_batch(
            actor=None,
            entries=[
                ledger.EntrySpec(EntryKind.RELEASE, [(prepaid, 100), (ledger.account_institution_settled(inst), -100)])
            ],
        )
    assert err.value.code == "ledger_release_in_batch"
    with pytest.raises(LedgerError) as err:
        ledger.journal_post_batch(
            actor=None, entries=[ledger.EntrySpec(EntryKind.ADJUSTMENT, [(cash, 1), (prepaid, -2)])]
        )
    assert err.value.code == "ledger_unbalanced"


def test_batch_audit_event_names_every_entry_and_its_digest_proves_the_rows(world):
    e, inst = world.enrolment, world.institution
    cash, prepaid = ledger.account_custody_cash(inst), ledger.account_for_parent_enrolment(e)
    # A reference with the characters COPY's text format must escape, so the digest covers them faithfully.
    specs = [
        ledger.EntrySpec(
            EntryKind.PAYMENT_IN,
            [(cash, 100 + i), (prepaid, -(100 + i))],
            reference=f"银行\\t批次\t{i}\n",
            institution=inst,
            enrolment=e,
            business_date=datetime.date(2026, 3, 2),
        )
        for i in range(5)
    ]
    ids = ledger.journal_post_batch(actor=None, entries=specs)
    after = AuditEvent.objects.get(action="ledger.batch").after
    assert after is not None
    assert after["count"] == 5
    assert after["postings"] == 10
    assert after["entry_ids"] == [[ids[0], ids[-1]]]
    assert after["by_kind"] == {"payment_in": {"entries": 5, "debits_fen": 510}}
    assert JournalEntry.objects.get(pk=ids[1]).reference == "银行\\t批次\t1\n"
    assert ledger.batch_digest(ids) == after["sha256"]
    # A digest over other rows (one entry short) does not match: the event pins exactly what was booked.
    assert ledger.batch_digest(ids[:-1]) != after["sha256"]
    assert ledger.batch_digest([*ids, 10**9]) == ""
