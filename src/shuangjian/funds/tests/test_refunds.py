"""Refunds end to end: apply → agree / refuse / silence / regulator order → owed → bank instruction → paid."""

from __future__ import annotations

import datetime

import pytest

from shuangjian.core.calendar import add_working_days
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory

from .. import ledger, refunds, release
from ..models import InstructionStatus, RefundStatus
from .conftest import World
from .factories import operator_of, parent_of
from .test_release import attend, pay

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 9)


def test_agreed_refund_is_owed_until_the_bank_pays(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    operator = operator_of(world.institution)
    done = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    pending = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 3)))
    assert done is not None and pending is not None
    release.consumption_confirm(actor=parent, request=done)
    refund = refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="搬家", today=TODAY)
    # 40,000 left, 10,000 of it held for the lesson still awaiting confirmation.
    assert refund.amount_fen == 30_000
    assert refund.reply_due_date == add_working_days(TODAY, 5)
    with pytest.raises(RuleViolationError):
        refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="孩子转学")
    refunds.refund_agree(actor=operator, refund=refund)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AGREED
    assert ledger.account_refunds_payable(world.institution).balance_fen == 30_000
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 10_000
    batch = refunds.refund_batch_create(actor=None, bank=world.bank)
    assert batch is not None and batch.total_fen == 30_000
    release.instruction_batch_mark_sent(actor=None, batch=batch)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.INSTRUCTED
    assert ledger.account_refunds_payable(world.institution).balance_fen == 30_000
    release.instruction_batch_execute_simulated(actor=None, batch=batch)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAID
    assert ledger.account_refunds_payable(world.institution).balance_fen == 0
    assert ledger.account_custody_cash(world.institution).balance_fen == 20_000
    # The lesson still pending can be confirmed from what was held back.
    release.consumption_confirm(actor=parent, request=pending)
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 0
    assert ledger.ledger_invariant_problems() == []


def test_refusal_needs_reason_and_regulator_can_order(world: World) -> None:
    pay(world, 20_000)
    parent = parent_of(world.enrolment)
    operator = operator_of(world.institution)
    refund = refunds.refund_apply(actor=parent, enrolment=world.enrolment, today=TODAY, reason="孩子转学")
    with pytest.raises(RuleViolationError):
        refunds.refund_refuse(actor=operator, refund=refund, reason="")
    refunds.refund_refuse(actor=operator, refund=refund, reason="课程已过半")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REFUSED and refund.refusal_reason == "课程已过半"
    assert ledger.account_refunds_payable(world.institution).balance_fen == 0
    with pytest.raises(RuleViolationError):
        refunds.refund_agree(actor=operator, refund=refund)
    refunds.refund_order(actor=RegulatorFactory.create(), refund=refund)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.ORDERED
    assert ledger.account_refunds_payable(world.institution).balance_fen == 20_000
    instruction = refund.instruction
    assert instruction is not None
    assert instruction.status == InstructionStatus.DRAFT and instruction.amount_fen == 20_000


def test_silence_for_five_working_days_is_agreement(world: World) -> None:
    pay(world, 20_000)
    parent = parent_of(world.enrolment)
    refund = refunds.refund_apply(actor=parent, enrolment=world.enrolment, today=TODAY, reason="孩子转学")
    assert refunds.refund_deem_agreed_due(today=refund.reply_due_date) == 0
    assert refunds.refund_deem_agreed_due(today=refund.reply_due_date + datetime.timedelta(days=1)) == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.DEEMED_AGREED
    assert ledger.account_refunds_payable(world.institution).balance_fen == 20_000


def test_nothing_to_refund_is_refused(world: World) -> None:
    parent = parent_of(world.enrolment)
    with pytest.raises(RuleViolationError) as exc:
        refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="孩子转学")
    assert exc.value.violations[0].code == "refund_nothing"
