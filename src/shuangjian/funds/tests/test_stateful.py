"""Random sequences of money operations; after every step the ledger's invariants must hold.

Uses f2's release/refund services where they exist, else the ledger-level operations they are built on.
Each example runs inside a savepoint that is rolled back, so examples stay cheap (SQLite in memory).
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .. import ledger, payments
from ..ledger import LedgerError
from ..models import ConsumptionRequest, ConsumptionStatus, JournalEntry
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory

PRICE = 3_000
_ids = itertools.count()


class FundsMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.bank = BankFactory.create(code=f"sm{next(_ids)}")
        self.institutions = [InstitutionFactory.create() for _ in range(2)]
        for inst in self.institutions:
            CustodyAccountFactory.create(institution=inst, bank=self.bank)
        self.enrolments = [
            EnrolmentFactory.create(
                class_group__course__institution=self.institutions[i % 2], price_per_lesson_fen=PRICE
            )
            for i in range(3)
        ]
        # Shadow model: what the books must say, computed independently of the ledger.
        self.prepaid = {e.pk: 0 for e in self.enrolments}
        self.settled = {i.pk: 0 for i in self.institutions}
        self.payable = {i.pk: 0 for i in self.institutions}
        self.suspense = 0
        self.bank_cash = 0  # what the bank's statement says is held
        self.pending: list[ConsumptionRequest] = []
        self.notifications: list[payments.NotificationData] = []

    def teardown(self) -> None:
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    # ---------------------------------------------------------------- money in

    @rule(e=st.integers(0, 2), amount=st.integers(1, 20).map(lambda n: n * PRICE))
    def pay(self, e: int, amount: int) -> None:
        enrolment = self.enrolments[e]
        ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=amount, bank=self.bank)
        self.prepaid[enrolment.pk] += amount
        self.bank_cash += amount

    @rule(amount=st.integers(1, 100_000))
    def unknown_payment(self, amount: int) -> None:
        data = payments.NotificationData(f"n{next(_ids)}", "PO-UNKNOWN", amount, f"R{next(_ids)}")
        result = payments.bank_notification_receive(bank=self.bank, data=data, payload={}, body_sha256="")
        assert result.body["result"] == "suspense"
        self.notifications.append(data)
        self.suspense += amount
        self.bank_cash += amount

    @precondition(lambda self: self.notifications)
    @rule(i=st.integers(0, 100))
    def repeat_notification(self, i: int) -> None:
        data = self.notifications[i % len(self.notifications)]
        before = JournalEntry.objects.count()
        result = payments.bank_notification_receive(bank=self.bank, data=data, payload={}, body_sha256="")
        assert result.replay
        assert JournalEntry.objects.count() == before

    # ---------------------------------------------------------------- release

    @rule(e=st.integers(0, 2))
    def consume(self, e: int) -> None:
        enrolment = self.enrolments[e]
        self.pending.append(
            ConsumptionRequest.objects.create(
                enrolment=enrolment,
                institution=enrolment.institution,
                amount_fen=PRICE,
                due_date=datetime.date(2026, 4, 1),
                division_code=enrolment.division_code,
            )
        )

    @precondition(lambda self: self.pending)
    @rule(i=st.integers(0, 100), auto=st.booleans())
    def confirm(self, i: int, auto: bool) -> None:
        request = self.pending.pop(i % len(self.pending))
        e = request.enrolment_id
        try:
            with transaction.atomic():
                ConsumptionRequest.objects.filter(pk=request.pk).update(
                    status=ConsumptionStatus.AUTO_CONFIRMED if auto else ConsumptionStatus.CONFIRMED
                )
                ledger.post_release(actor=None, consumption=request)
        except LedgerError as exc:
            assert exc.code == "ledger_insufficient"
            assert self.prepaid[e] < PRICE
            self.pending.append(request)
            return
        self.prepaid[e] -= PRICE
        self.settled[request.institution_id] += PRICE

    @precondition(lambda self: self.pending)
    @rule(i=st.integers(0, 100))
    def dispute(self, i: int) -> None:
        request = self.pending.pop(i % len(self.pending))
        ConsumptionRequest.objects.filter(pk=request.pk).update(status=ConsumptionStatus.DISPUTED)
        request.refresh_from_db()
        with pytest.raises(LedgerError):
            ledger.post_release(actor=None, consumption=request)

    @rule(i=st.integers(0, 1))
    def pay_out_released(self, i: int) -> None:
        inst = self.institutions[i]
        amount = self.settled[inst.pk]
        if amount == 0:
            return
        ledger.post_payout(actor=None, institution=inst, amount_fen=amount, reference=f"P{next(_ids)}")
        self.settled[inst.pk] = 0
        self.bank_cash -= amount

    # ---------------------------------------------------------------- refunds

    @rule(e=st.integers(0, 2), extra=st.integers(0, 5_000))
    def refund(self, e: int, extra: int) -> None:
        enrolment = self.enrolments[e]
        balance = self.prepaid[enrolment.pk]
        amount = balance + extra  # sometimes more than the balance: must be refused and change nothing
        if amount == 0:
            return
        try:
            ledger.post_refund_approve(actor=None, enrolment=enrolment, amount_fen=amount)
        except LedgerError as exc:
            assert exc.code == "ledger_insufficient"
            assert extra > 0
            return
        assert amount <= balance
        self.prepaid[enrolment.pk] -= amount
        self.payable[enrolment.institution_id] += amount

    @rule(i=st.integers(0, 1))
    def bank_pays_refunds(self, i: int) -> None:
        inst = self.institutions[i]
        amount = self.payable[inst.pk]
        if amount == 0:
            return
        ledger.post_refund_paid(actor=None, institution=inst, amount_fen=amount, reference=f"F{next(_ids)}")
        self.payable[inst.pk] = 0
        self.bank_cash -= amount

    # ---------------------------------------------------------------- reconcile

    @rule()
    def reconcile(self) -> None:
        # The bank's view of custody cash equals the ledger's, and suspense money is all accounted for.
        totals = ledger.ledger_totals()
        assert totals.custody_cash_fen == self.bank_cash
        assert totals.suspense_fen == self.suspense

    # ---------------------------------------------------------------- invariants

    @invariant()
    def books_hold(self) -> None:
        if not hasattr(self, "bank"):
            return
        assert ledger.ledger_invariant_problems() == []
        for e in self.enrolments:
            assert ledger.account_for_parent_enrolment(e).balance_fen == self.prepaid[e.pk]
        for inst in self.institutions:
            assert ledger.account_institution_settled(inst).balance_fen == self.settled[inst.pk]
            assert ledger.account_refunds_payable(inst).balance_fen == self.payable[inst.pk]


@pytest.mark.django_db
def test_random_money_operations_keep_the_books_exact() -> None:
    run_state_machine_as_test(
        FundsMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
