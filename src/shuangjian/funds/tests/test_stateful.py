"""Random sequences of money operations; after every step the ledger's invariants must hold.

The steps go through the real services: payment orders (fee caps) and the bank notification service, the
release service (confirm, dispute), the refund service (apply, agree), instruction batches executed by the
simulated bank, and statement import with reconciliation. A shadow model computed independently says what
every balance must be. Each example runs inside a savepoint that is rolled back, so examples stay cheap.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import asdict

import pytest
from django.db import transaction
from django.utils import timezone
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

from shuangjian.core.rules import RuleViolationError

from .. import ledger, payments, reconcile, refunds, release, services
from ..banks.simulated import SimulatedBank, render_statement
from ..ledger import LedgerError
from ..models import ConsumptionRequest, ConsumptionStatus, Discrepancy, JournalEntry
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory, operator_of, parent_of

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
        self.operators = {inst.pk: operator_of(inst) for inst in self.institutions}
        self.enrolments = [
            EnrolmentFactory.create(
                class_group__course__institution=self.institutions[i % 2], price_per_lesson_fen=PRICE
            )
            for i in range(3)
        ]
        self.parents = {e.pk: parent_of(e) for e in self.enrolments}
        self.today = timezone.localdate()
        # Shadow model: what the books must say, computed independently of the ledger.
        self.prepaid = {e.pk: 0 for e in self.enrolments}
        self.settled = {i.pk: 0 for i in self.institutions}
        self.payable = {i.pk: 0 for i in self.institutions}
        self.suspense = 0
        self.bank_cash = 0  # what the bank holds, by its own account of money in and out
        self.pending: list[ConsumptionRequest] = []
        self.held = {e.pk: 0 for e in self.enrolments}  # pending or disputed lessons (not refundable)
        self.notifications: list[payments.NotificationData] = []

    def teardown(self) -> None:
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    # ---------------------------------------------------------------- money in

    @rule(e=st.integers(0, 2), hours=st.integers(1, 25))
    def pay(self, e: int, hours: int) -> None:
        enrolment = self.enrolments[e]
        try:
            order = services.payment_order_create(
                actor=self.parents[enrolment.pk],
                enrolment=enrolment,
                class_hours=hours,
                period_start=self.today,
                period_end=self.today + datetime.timedelta(days=60),
            )
        except RuleViolationError as exc:
            # Only the renewal rule can refuse here (hours and period are within the caps).
            assert {v.code for v in exc.violations} == {"charge_renewal_too_early"}
            return
        data = payments.NotificationData(f"n{next(_ids)}", order.order_no, order.amount_fen, f"R{next(_ids)}")
        result = payments.bank_notification_receive(bank=self.bank, data=data, payload=asdict(data), body_sha256="")
        assert result.body["result"] == "booked"
        self.notifications.append(data)
        self.prepaid[enrolment.pk] += order.amount_fen
        self.bank_cash += order.amount_fen

    @rule(amount=st.integers(1, 100_000))
    def unknown_payment(self, amount: int) -> None:
        data = payments.NotificationData(f"n{next(_ids)}", "PO-UNKNOWN", amount, f"R{next(_ids)}")
        result = payments.bank_notification_receive(bank=self.bank, data=data, payload=asdict(data), body_sha256="")
        assert result.body["result"] == "suspense"
        self.notifications.append(data)
        self.suspense += amount
        self.bank_cash += amount

    @precondition(lambda self: self.notifications)
    @rule(i=st.integers(0, 100))
    def repeat_notification(self, i: int) -> None:
        data = self.notifications[i % len(self.notifications)]
        before = JournalEntry.objects.count()
        result = payments.bank_notification_receive(bank=self.bank, data=data, payload=asdict(data), body_sha256="")
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
                due_date=self.today + datetime.timedelta(days=20),
                division_code=enrolment.division_code,
            )
        )
        self.held[enrolment.pk] += PRICE

    @precondition(lambda self: self.pending)
    @rule(i=st.integers(0, 100))
    def confirm(self, i: int) -> None:
        request = self.pending.pop(i % len(self.pending))
        e = request.enrolment_id
        release.consumption_confirm(actor=self.parents[e], request=request)
        self.held[e] -= PRICE
        request.refresh_from_db()
        assert request.status == ConsumptionStatus.CONFIRMED
        if self.prepaid[e] >= PRICE:
            assert request.release_entry_id is not None
            self.prepaid[e] -= PRICE
            self.settled[request.institution_id] += PRICE
        else:
            # Not covered by custody money: confirmed, nothing released (collected outside custody).
            assert request.release_entry_id is None

    @precondition(lambda self: self.pending)
    @rule(i=st.integers(0, 100))
    def dispute(self, i: int) -> None:
        request = self.pending.pop(i % len(self.pending))
        release.consumption_dispute(actor=self.parents[request.enrolment_id], request=request, reason="没上这节课")
        request.refresh_from_db()
        with pytest.raises(LedgerError):
            ledger.post_release(actor=None, consumption=request)

    @rule()
    def bank_pays_out_released(self) -> None:
        batch = release.release_batch_create(actor=None, bank=self.bank)
        if batch is None:
            assert sum(self.settled.values()) == 0
            return
        release.instruction_batch_execute_simulated(actor=None, batch=batch)
        self.bank_cash -= sum(self.settled.values())
        self.settled = dict.fromkeys(self.settled, 0)

    # ---------------------------------------------------------------- refunds

    @rule(e=st.integers(0, 2))
    def refund(self, e: int) -> None:
        enrolment = self.enrolments[e]
        expected = max(self.prepaid[enrolment.pk] - self.held[enrolment.pk], 0)
        try:
            request = refunds.refund_apply(actor=self.parents[enrolment.pk], enrolment=enrolment, reason="孩子转学")
        except RuleViolationError as exc:
            assert expected == 0 or {v.code for v in exc.violations} == {"refund_open"}
            return
        assert request.amount_fen == expected
        refunds.refund_agree(actor=self.operators[enrolment.institution_id], refund=request)
        self.prepaid[enrolment.pk] -= expected
        self.payable[enrolment.institution_id] += expected

    @rule()
    def bank_pays_refunds(self) -> None:
        batch = refunds.refund_batch_create(actor=None, bank=self.bank)
        if batch is None:
            return
        release.instruction_batch_execute_simulated(actor=None, batch=batch)
        self.bank_cash -= sum(self.payable.values())
        self.payable = dict.fromkeys(self.payable, 0)

    # ---------------------------------------------------------------- reconcile

    @rule()
    def reconcile(self) -> None:
        sim = SimulatedBank(self.bank)
        lines = sim.statement_lines(self.today)
        # The bank's statement says the same as the bank's own tally, and so does the ledger.
        assert sum(line.amount_fen for line in lines) == self.bank_cash
        totals = ledger.ledger_totals()
        assert totals.custody_cash_fen == self.bank_cash
        assert totals.suspense_fen == self.suspense
        if lines:
            reconcile.statement_import(
                actor=None, bank=self.bank, content=render_statement(lines, "csv"), statement_date=self.today
            )
            assert not Discrepancy.objects.filter(bank=self.bank).exists()

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
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
