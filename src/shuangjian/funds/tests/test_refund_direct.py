"""Refunds at an institution without a custody account (risk-deposit mode): the institution pays the parent back
itself and records it; until then the regulator sees the refund owed. Nothing touches the ledger."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory

from .. import refunds, release, selectors, services
from ..models import BankInstruction, JournalEntry, RefundRequest, RefundRoute, RefundStatus
from .conftest import World
from .factories import EnrolmentFactory, InstitutionFactory, operator_of, parent_of
from .test_release import attend

pytestmark = pytest.mark.django_db


@pytest.fixture
def deposit_world(world: World) -> World:
    """An institution under a risk deposit only (no custody account), with one enrolment of 40 × 100 yuan."""
    institution = InstitutionFactory.create()
    services.risk_deposit_record(actor=None, institution=institution, amount_fen=1_000_000, required_share_bp=2000)
    enrolment = EnrolmentFactory.create(class_group__course__institution=institution)
    return World(bank=world.bank, institution=institution, enrolment=enrolment)


def test_direct_refund_is_owed_by_the_institution_until_it_records_the_payment(
    deposit_world: World, client: Client
) -> None:
    w = deposit_world
    parent = parent_of(w.enrolment)
    operator = operator_of(w.institution)
    done = release.consumption_request_create_for_attendance(attend(w, datetime.date(2026, 3, 2)))
    pending = release.consumption_request_create_for_attendance(attend(w, datetime.date(2026, 3, 3)))
    assert done is not None and pending is not None
    release.consumption_confirm(actor=parent, request=done)

    client.force_login(parent)
    page = client.get("/funds/my/").content.decode()
    assert "退费由机构直接退还" in page and "申请退费 ¥3,800.00" in page
    client.post(f"/funds/my/enrolments/{w.enrolment.pk}/refund/", {"reason": "搬家", "confirm": "on"})
    refund = RefundRequest.objects.get()
    # 4,000 yuan fee less the confirmed lesson and the one awaiting confirmation.
    assert (refund.route, refund.amount_fen) == (RefundRoute.DIRECT, 380_000)

    client.force_login(operator)
    client.post(f"/funds/institution/refunds/{refund.pk}/", {"action": "agree"})
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AGREED
    assert refund.approve_entry is None and refund.instruction is None
    # Nothing booked beyond the deposit itself (its ledger pair), no bank instruction.
    assert not JournalEntry.objects.exclude(reference__startswith="deposit:").exists()
    assert not BankInstruction.objects.exists()

    # The regulator sees it owed, and overdue once the reply deadline has passed.
    regulator = RegulatorFactory.create()
    client.force_login(regulator)
    owed = client.get("/funds/cases/").content.decode()
    assert "机构应直接退还" in owed and w.enrolment.student.name in owed
    later = refund.reply_due_date + datetime.timedelta(days=1)
    row = next(r for r in selectors.funds_overview(regulator, today=later).institutions if r.name == w.institution.name)
    assert row.overdue_refunds == 1
    assert row.expected_prepaid_fen == 0  # fee 4,000 − 200 consumed − 3,800 owed back

    # The institution records it: a reference is required, the date cannot be in the future.
    client.force_login(operator)
    r = client.post(f"/funds/institution/refunds/{refund.pk}/paid/", {"reference": " "}, follow=True)
    assert "请填写退款凭证号" in r.content.decode()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    r = client.post(
        f"/funds/institution/refunds/{refund.pk}/paid/", {"reference": "T1", "paid_on": str(tomorrow)}, follow=True
    )
    assert "退款日期不能晚于今天" in r.content.decode()
    r = client.post(f"/funds/institution/refunds/{refund.pk}/paid/", {"reference": "T1", "paid_on": "x"}, follow=True)
    assert "退款日期格式" in r.content.decode()
    # Another institution's operator cannot.
    other = operator_of(EnrolmentFactory.create().institution)
    client.force_login(other)
    assert client.post(f"/funds/institution/refunds/{refund.pk}/paid/", {"reference": "X"}).status_code == 404
    client.force_login(operator)
    client.post(f"/funds/institution/refunds/{refund.pk}/paid/", {"reference": "WX20260309001"})
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAID_DIRECT
    assert (refund.direct_reference, refund.direct_paid_on) == ("WX20260309001", timezone.localdate())
    assert AuditEvent.objects.filter(action="funds.refund_paid_direct").count() == 1
    with pytest.raises(RuleViolationError):
        refunds.refund_record_direct_payment(actor=operator, refund=refund, reference="again")

    row = next(r for r in selectors.funds_overview(regulator, today=later).institutions if r.name == w.institution.name)
    assert row.overdue_refunds == 0
    client.force_login(regulator)
    assert w.enrolment.student.name not in client.get("/funds/cases/").content.decode()
    client.force_login(parent)
    assert "WX20260309001" in client.get("/funds/my/").content.decode()
    assert not JournalEntry.objects.exclude(reference__startswith="deposit:").exists()


def test_direct_refund_by_silence_or_order_and_nothing_left_to_refund(deposit_world: World) -> None:
    w = deposit_world
    parent = parent_of(w.enrolment)
    refund = refunds.refund_apply(
        actor=parent, enrolment=w.enrolment, today=datetime.date(2026, 3, 2), reason="孩子转学"
    )
    assert refund.amount_fen == 400_000
    assert refunds.refund_deem_agreed_due(today=refund.reply_due_date + datetime.timedelta(days=1)) == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.DEEMED_AGREED
    refunds.refund_record_direct_payment(actor=operator_of(w.institution), refund=refund, reference="R1")
    with pytest.raises(RuleViolationError) as err:
        refunds.refund_apply(actor=parent, enrolment=w.enrolment, reason="孩子转学")
    assert "没有可退的未消课余额" in str(err.value.violations[0].message)

    other = EnrolmentFactory.create(class_group=w.enrolment.class_group)
    other_parent = parent_of(other)
    second = refunds.refund_apply(actor=other_parent, enrolment=other, reason="不想学了")
    refunds.refund_refuse(actor=operator_of(w.institution), refund=second, reason="已开课")
    refunds.refund_order(actor=RegulatorFactory.create(), refund=second)
    second.refresh_from_db()
    assert (second.status, second.route, second.instruction) == (RefundStatus.ORDERED, RefundRoute.DIRECT, None)


def test_custody_refund_cannot_be_recorded_as_paid_by_the_institution(world: World) -> None:
    from .test_release import pay

    pay(world, 30_000)
    refund = refunds.refund_apply(actor=parent_of(world.enrolment), enrolment=world.enrolment, reason="孩子转学")
    assert refund.route == RefundRoute.CUSTODY
    operator = operator_of(world.institution)
    refunds.refund_agree(actor=operator, refund=refund)
    with pytest.raises(RuleViolationError):
        refunds.refund_record_direct_payment(actor=operator, refund=refund, reference="X")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AGREED and refund.instruction is not None


def test_custody_refund_after_the_account_was_closed_still_gets_an_instruction(world: World) -> None:
    from ..models import CustodyAccount
    from .test_release import pay

    pay(world, 30_000)
    CustodyAccount.objects.filter(institution=world.institution).update(is_active=False)
    refund = refunds.refund_apply(actor=parent_of(world.enrolment), enrolment=world.enrolment, reason="孩子转学")
    refunds.refund_agree(actor=operator_of(world.institution), refund=refund)
    refund.refresh_from_db()
    assert refund.instruction is not None and refund.instruction.bank_id == world.bank.pk


def test_parent_confirms_or_disputes_a_direct_refund_and_the_regulator_can_order_it_paid_again(
    deposit_world: World, client: Client
) -> None:
    w = deposit_world
    parent, operator = parent_of(w.enrolment), operator_of(w.institution)
    refund = refunds.refund_apply(actor=parent, enrolment=w.enrolment, reason="搬家")
    refund = refunds.refund_agree(actor=operator, refund=refund)
    refund = refunds.refund_record_direct_payment(actor=operator, refund=refund, reference="WX1")
    url = f"/funds/my/refunds/{refund.pk}/receipt/"

    client.force_login(parent)
    assert f'data-testid="receipt-{refund.pk}"' in client.get("/funds/my/").content.decode()
    # Someone else's parent cannot answer for it; an answer needs to say what happened.
    client.force_login(parent_of(EnrolmentFactory.create()))
    assert client.post(url, {"action": "confirm"}).status_code == 404
    client.force_login(parent)
    page = client.post(url, {"action": "dispute", "reason": " "}, follow=True).content.decode()
    assert "请说明未收到退款的情况" in page
    refund.refresh_from_db()
    assert refund.direct_disputed_at is None
    client.post(url, {"action": "dispute", "reason": "一直没有到账"})
    refund.refresh_from_db()
    assert refund.direct_disputed_at is not None and refund.direct_dispute_reason == "一直没有到账"
    assert AuditEvent.objects.filter(action="funds.refund_receipt_disputed").count() == 1
    assert "已反映未收到退款" in client.get("/funds/my/").content.decode()

    # The county's regulator sees it and orders it paid again; a regulator of another county cannot.
    client.force_login(RegulatorFactory.create(scope_code="410203"))
    assert client.post(f"/funds/cases/refunds/{refund.pk}/reorder/").status_code == 404
    regulator = RegulatorFactory.create()
    client.force_login(regulator)
    cases = client.get("/funds/cases/").content.decode()
    table = cases[cases.index('data-testid="not-received"') :]
    assert "一直没有到账" in table and "WX1" in table
    client.post(f"/funds/cases/refunds/{refund.pk}/reorder/")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.ORDERED and refund.ordered_by == regulator
    assert (refund.direct_reference, refund.direct_paid_on, refund.direct_disputed_at) == ("", None, None)
    event = AuditEvent.objects.get(action="funds.refund_reordered")
    assert event.before["reference"] == "WX1" and event.before["dispute"] == "一直没有到账"
    cases = client.get("/funds/cases/").content.decode()
    assert w.enrolment.student.name in cases[cases.index('data-testid="direct-owed"') : cases.index("not-received")]

    # Paid again; this time the parent confirms, once; a confirmed refund cannot be disputed or reordered.
    refund = refunds.refund_record_direct_payment(actor=operator, refund=refund, reference="WX2")
    client.force_login(parent)
    client.post(url, {"action": "confirm"})
    refund.refresh_from_db()
    assert refund.direct_confirmed_at is not None
    assert "已确认收到退款" in client.get("/funds/my/").content.decode()
    page = client.post(url, {"action": "confirm"}, follow=True).content.decode()
    assert "已确认收到该笔退款" in page
    with pytest.raises(RuleViolationError):
        refunds.refund_dispute_receipt(actor=parent, refund=refund, reason="x")
    with pytest.raises(RuleViolationError):
        refunds.refund_reorder_direct(actor=regulator, refund=refund)
    assert AuditEvent.objects.filter(action="funds.refund_receipt_confirmed").count() == 1
    # Only a refund the institution recorded as paid directly can be answered.
    other = EnrolmentFactory.create(class_group__course__institution=w.institution)
    applied = refunds.refund_apply(actor=parent_of(other), enrolment=other, reason="x")
    with pytest.raises(RuleViolationError):
        refunds.refund_confirm_receipt(actor=parent, refund=applied)
