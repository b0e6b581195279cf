"""What a parent sees and does with their money: payments and how to pay, refund applications with a reason, a
confirmed amount and a withdrawal before the institution answers; and who may read a payment order by number."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from shuangjian.core.models import AuditEvent, Role
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory

from .. import ledger, refunds, release, services
from ..models import LedgerAccount, PaymentOrderStatus, RefundStatus
from .conftest import World
from .factories import operator_of, parent_of
from .test_release import attend, pay

pytestmark = pytest.mark.django_db


def order(world: World) -> str:
    today = timezone.localdate()
    created = services.payment_order_create(
        actor=None,
        enrolment=world.enrolment,
        class_hours=10,
        period_start=today,
        period_end=today + datetime.timedelta(days=60),
        today=today,
    )
    return created.order_no


# ---------------------------------------------------------------------------------------------------- refunds


def test_refund_needs_a_reason(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    with pytest.raises(RuleViolationError) as exc:
        refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="   ")
    assert "请填写退费理由" in str(exc.value)
    assert not world.enrolment.refund_requests.exists()


def test_refund_refused_when_the_confirmed_amount_is_not_the_refundable_one(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    with pytest.raises(RuleViolationError) as exc:
        refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="搬家", confirmed_amount_fen=40_000)
    assert "500.00" in str(exc.value)
    refund = refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="搬家", confirmed_amount_fen=50_000)
    assert refund.amount_fen == 50_000 and refund.reason == "搬家"


def test_page_requires_reason_and_ticked_confirmation(world: World, client: Client) -> None:
    pay(world, 50_000)
    client.force_login(parent_of(world.enrolment))
    page = client.get("/funds/my/").content.decode()
    assert 'name="confirm"' in page and "我确认申请退还未消课余额 ¥500.00" in page
    url = f"/funds/my/enrolments/{world.enrolment.pk}/refund/"
    r = client.post(url, {"reason": "搬家", "amount_fen": "50000"}, follow=True)
    assert "请勾选确认退费金额" in r.content.decode()
    r = client.post(url, {"reason": "", "confirm": "on", "amount_fen": "50000"}, follow=True)
    assert "请填写退费理由" in r.content.decode()
    assert not world.enrolment.refund_requests.exists()
    client.post(url, {"reason": "搬家", "confirm": "on", "amount_fen": "50000"})
    assert world.enrolment.refund_requests.get().status == RefundStatus.APPLIED


def test_parent_withdraws_before_the_institution_answers(world: World, client: Client) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    refund = refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="搬家")
    client.force_login(UserFactory.create(role=Role.PARENT))
    assert client.post(f"/funds/my/refunds/{refund.pk}/withdraw/").status_code == 404
    client.force_login(parent)
    assert "撤回退费申请" in client.get("/funds/my/").content.decode()
    client.post(f"/funds/my/refunds/{refund.pk}/withdraw/")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.CANCELLED
    assert AuditEvent.objects.filter(action="funds.refund_withdraw").count() == 1
    # Nothing was booked; the money is still the parent's prepaid balance, and a new application is possible.
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 50_000
    assert refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="还是要退").amount_fen == 50_000


def test_withdraw_refused_once_the_institution_answered(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    refused = refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="搬家")
    refunds.refund_refuse(actor=operator_of(world.institution), refund=refused, reason="已开课")
    with pytest.raises(RuleViolationError):
        refunds.refund_withdraw(actor=parent, refund=refused)
    refused.refresh_from_db()
    assert refused.status == RefundStatus.REFUSED
    refunds.refund_order(actor=RegulatorFactory.create(), refund=refused)
    assert LedgerAccount.objects.get(key=f"prepaid:e:{world.enrolment.pk}").balance_fen == 0


def test_withdraw_refused_after_the_reply_deadline(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    refund = refunds.refund_apply(
        actor=parent, enrolment=world.enrolment, reason="搬家", today=datetime.date(2026, 1, 5)
    )
    assert refund.reply_due_date < timezone.localdate()
    with pytest.raises(RuleViolationError) as exc:
        refunds.refund_withdraw(actor=parent, refund=refund)
    assert "不能撤回" in str(exc.value)


# ---------------------------------------------------------------------------------------------------- payments


def test_parent_sees_payments_and_how_to_pay_a_pending_order(world: World, client: Client) -> None:
    parent = parent_of(world.enrolment)
    order_no = order(world)
    client.force_login(parent)
    page = client.get("/funds/my/").content.decode()
    account = world.institution.custody_accounts.get()
    assert order_no in page and "¥1,000.00" in page
    # How to pay: the bank, the account in full and the order number as the transfer note.
    assert account.account_no in page and world.bank.name in page and "附言填写上方缴费单号" in page
    # Once paid: in the history with date, the account masked, no longer among orders to pay.
    from ..models import PaymentOrder

    paid = PaymentOrder.objects.get(order_no=order_no)
    PaymentOrder.objects.filter(pk=paid.pk).update(status=PaymentOrderStatus.PAID, paid_at=timezone.now())
    page = client.get("/funds/my/").content.decode()
    assert f"**** {account.account_no[-4:]}" in page
    assert account.account_no not in page
    assert "附言填写上方缴费单号" not in page
    assert timezone.localtime().strftime("%Y-%m-%d") in page


def test_processed_lessons_show_course_and_institution(world: World, client: Client) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent, request=request)
    client.force_login(parent)
    page = client.get("/funds/my/").content.decode()
    history = page.split("已处理课次")[1]
    assert world.enrolment.class_group.course.name in history and world.institution.name in history


def test_other_parent_sees_no_payment(world: World, client: Client) -> None:
    parent_of(world.enrolment)
    order_no = order(world)
    client.force_login(UserFactory.create(role=Role.PARENT))
    assert order_no not in client.get("/funds/my/").content.decode()


# ---------------------------------------------------------------------------------------------------- order scope


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.GRID_OFFICER])
def test_school_admin_and_grid_officer_cannot_read_a_payment_order(world: World, client: Client, role: str) -> None:
    order_no = order(world)
    client.force_login(UserFactory.create(role=role, scope_code="410202"))
    assert client.get(f"/api/v1/funds/orders/{order_no}").status_code == 404


def test_county_regulator_reads_a_payment_order_and_other_county_does_not(world: World, client: Client) -> None:
    order_no = order(world)
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    r = client.get(f"/api/v1/funds/orders/{order_no}")
    assert r.status_code == 200 and r.json()["amount_fen"] == 100_000
    client.force_login(RegulatorFactory.create(scope_code="410212"))
    assert client.get(f"/api/v1/funds/orders/{order_no}").status_code == 404
