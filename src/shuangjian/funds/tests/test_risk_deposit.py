"""Risk-deposit institutions collect within what their deposit covers; an overdue unpaid refund is paid from it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.students.models import Enrolment

from .. import ledger, refunds, selectors, services
from ..models import PaymentOrder, PaymentOrderStatus, RefundRequest, RefundRoute, RefundStatus
from .conftest import World
from .factories import BankFactory, EnrolmentFactory, InstitutionFactory, operator_of, parent_of

pytestmark = pytest.mark.django_db


def deposit_world(deposit_fen: int = 1_000_000, share_bp: int = 2000) -> World:
    """An institution under a 10,000-yuan deposit at 20 %: it covers 50,000 yuan of prepaid fees."""
    institution = InstitutionFactory.create()
    services.risk_deposit_record(
        actor=None, institution=institution, amount_fen=deposit_fen, required_share_bp=share_bp
    )
    enrolment = EnrolmentFactory.create(class_group__course__institution=institution)
    return World(bank=BankFactory.create(), institution=institution, enrolment=enrolment)


def charge(w: World, hours: int = 40, enrolment: Enrolment | None = None) -> PaymentOrder:
    today = timezone.localdate()
    return services.payment_order_create(
        actor=None,
        enrolment=enrolment or w.enrolment,
        class_hours=hours,
        period_start=today,
        period_end=today + datetime.timedelta(days=80),
        today=today,
    )


def test_deposit_institution_collects_directly_within_its_cover() -> None:
    w = deposit_world()
    order = charge(w)  # 4,000 yuan
    assert order.bank is None and order.status == PaymentOrderStatus.PENDING
    services.payment_order_record_direct(actor=operator_of(w.institution), order=order, reference="SJ-0001")
    order.refresh_from_db()
    assert order.status == PaymentOrderStatus.PAID and order.direct_reference == "SJ-0001"
    # No ledger entry for money the institution holds itself.
    assert order.entry_id is None
    cover = services.deposit_cover(w.institution)
    assert cover is not None and cover.outstanding_fen == 400_000


def test_deposit_institution_refused_past_its_cover() -> None:
    w = deposit_world(deposit_fen=100_000)  # 1,000 yuan at 20 % covers 5,000 yuan
    charge(w)  # 4,000 yuan pending counts against the cover
    other = EnrolmentFactory.create(class_group__course__institution=w.institution)
    with pytest.raises(RuleViolationError) as exc:
        charge(w, hours=20, enrolment=other)  # 2,000 more: 6,000 > 5,000
    assert "风险保证金" in str(exc.value) and "5,000.00" in str(exc.value)
    assert charge(w, hours=10, enrolment=other).amount_fen == 100_000  # 1,000 more: exactly covered


@override_settings(FUNDS_RISK_DEPOSIT_SHARE_BP=5000)
def test_cover_share_is_a_setting_when_the_deposit_names_none() -> None:
    w = deposit_world(deposit_fen=100_000, share_bp=0)
    cover = services.deposit_cover(w.institution)
    assert cover is not None and cover.covered_fen == 200_000


def test_institution_with_neither_custody_nor_deposit_cannot_collect() -> None:
    institution = InstitutionFactory.create()
    w = World(
        bank=BankFactory.create(),
        institution=institution,
        enrolment=EnrolmentFactory.create(class_group__course__institution=institution),
    )
    with pytest.raises(RuleViolationError) as exc:
        charge(w)
    assert "风险保证金" in str(exc.value)


def test_custody_order_cannot_be_recorded_as_paid_by_the_institution(world: World) -> None:
    order = charge(world)
    assert order.bank == world.bank
    with pytest.raises(RuleViolationError):
        services.payment_order_record_direct(actor=operator_of(world.institution), order=order, reference="X")


def overdue_direct_refund(w: World) -> RefundRequest:
    order = charge(w)
    services.payment_order_record_direct(actor=operator_of(w.institution), order=order, reference="SJ-1")
    refund = refunds.refund_apply(
        actor=parent_of(w.enrolment), enrolment=w.enrolment, reason="机构停课", today=datetime.date(2026, 1, 5)
    )
    assert refund.route == RefundRoute.DIRECT
    refunds.refund_agree(actor=operator_of(w.institution), refund=refund)
    refund.refresh_from_db()
    return refund


def test_overdue_unpaid_refund_is_paid_from_the_deposit() -> None:
    w = deposit_world()
    refund = overdue_direct_refund(w)
    regulator = RegulatorFactory.create()
    refunds.refund_pay_from_deposit(actor=regulator, refund=refund)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAID
    left = 1_000_000 - refund.amount_fen
    assert ledger.account_by_key(f"deposit:cash:i:{w.institution.pk}").balance_fen == left
    assert AuditEvent.objects.filter(action="funds.refund_paid_from_deposit").count() == 1
    assert ledger.ledger_invariant_problems() == []
    # Paid once: a second draw is refused.
    with pytest.raises(RuleViolationError):
        refunds.refund_pay_from_deposit(actor=regulator, refund=refund)


def test_draw_refused_when_the_deposit_is_insufficient() -> None:
    w = deposit_world(deposit_fen=100_000)  # 1,000 yuan; the refund is 4,000
    refund = overdue_direct_refund(w)
    with pytest.raises(RuleViolationError) as exc:
        refunds.refund_pay_from_deposit(actor=RegulatorFactory.create(), refund=refund)
    assert "不足" in str(exc.value)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AGREED
    assert ledger.account_by_key(f"deposit:cash:i:{w.institution.pk}").balance_fen == 100_000


def test_draw_refused_before_the_deadline() -> None:
    w = deposit_world()
    order = charge(w)
    services.payment_order_record_direct(actor=operator_of(w.institution), order=order, reference="SJ-2")
    refund = refunds.refund_apply(actor=parent_of(w.enrolment), enrolment=w.enrolment, reason="搬家")
    refunds.refund_agree(actor=operator_of(w.institution), refund=refund)
    with pytest.raises(RuleViolationError) as exc:
        refunds.refund_pay_from_deposit(actor=RegulatorFactory.create(), refund=refund)
    assert "未过" in str(exc.value)


def test_overview_counts_the_deposit_cover(client: Client) -> None:
    w = deposit_world()
    order = charge(w)
    services.payment_order_record_direct(actor=operator_of(w.institution), order=order, reference="SJ-3")
    regulator = RegulatorFactory.create()
    row = next(r for r in selectors.funds_overview(regulator).institutions if r.institution_id == w.institution.pk)
    # 400,000 fen of fees unconsumed; the deposit covers 5,000,000: not flagged, coverage over 100 %.
    assert row.deposit_fen == 1_000_000 and row.deposit_covered_fen == 5_000_000
    assert not row.outside_custody and row.custody_fen == 0
    client.force_login(regulator)
    page = client.get("/funds/overview/").content.decode()
    assert "风险保证金（覆盖额）" in page and "¥10,000.00（¥50,000.00）" in page


def test_pages_record_a_direct_payment_and_draw_on_the_deposit(client: Client) -> None:
    w = deposit_world()
    order = charge(w)
    operator = operator_of(w.institution)
    client.force_login(operator_of(InstitutionFactory.create()))
    assert client.post(f"/funds/institution/orders/{order.order_no}/paid/", {"reference": "X"}).status_code == 404
    client.force_login(operator)
    assert order.order_no in client.get("/funds/institution/").content.decode()
    client.post(f"/funds/institution/orders/{order.order_no}/paid/", {"reference": "SJ-9"})
    order.refresh_from_db()
    assert order.status == PaymentOrderStatus.PAID

    refund = refunds.refund_apply(
        actor=parent_of(w.enrolment), enrolment=w.enrolment, reason="机构停课", today=datetime.date(2026, 1, 5)
    )
    refunds.refund_agree(actor=operator, refund=refund)
    client.force_login(RegulatorFactory.create(scope_code="410212"))
    assert client.post(f"/funds/cases/refunds/{refund.pk}/from-deposit/").status_code == 404
    client.force_login(RegulatorFactory.create())
    assert "由风险保证金代付" in client.get("/funds/cases/").content.decode()
    client.post(f"/funds/cases/refunds/{refund.pk}/from-deposit/")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAID


def test_direct_refund_follows_what_was_paid_not_the_fee() -> None:
    w = deposit_world()
    parent = parent_of(w.enrolment)
    order = charge(w, hours=10)  # 1,000 yuan of a 4,000-yuan fee, not yet paid
    with pytest.raises(RuleViolationError):
        refunds.refund_apply(actor=parent, enrolment=w.enrolment, reason="搬家")
    services.payment_order_record_direct(actor=operator_of(w.institution), order=order, reference="SJ-7")
    assert refunds.refund_apply(actor=parent, enrolment=w.enrolment, reason="搬家").amount_fen == 100_000
