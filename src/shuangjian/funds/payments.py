"""Money in: a bank's signed payment notification booked exactly once.

``bank_notification_receive`` is idempotent on (bank, notification id): the first call books the payment (or parks
unknown money in suspense with a case) and stores its answer; every repeat — also 20 at the same instant — gets
that stored answer and books nothing. A unique constraint decides concurrent races: the insert of the second
waits for the first transaction, then fails and reads the committed row.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record

from . import ledger
from .models import (
    Bank,
    BankNotification,
    NotificationOutcome,
    PaymentOrder,
    PaymentOrderStatus,
    SuspenseCase,
)


@dataclass(frozen=True)
class NotificationData:
    notification_id: str
    order_no: str
    amount_fen: int
    bank_reference: str
    paid_at: datetime.datetime | None = None
    payer_name: str = ""
    payer_account: str = ""
    payer_bank_name: str = ""


@dataclass(frozen=True)
class NotificationResult:
    status_code: int
    body: dict[str, Any]
    replay: bool


def bank_notification_receive(
    *, bank: Bank, data: NotificationData, payload: dict[str, Any], body_sha256: str
) -> NotificationResult:
    """Book a verified notification once; a repeat returns the first answer (``replay=True``) and books nothing."""
    try:
        return _receive_first(bank=bank, data=data, payload=payload, body_sha256=body_sha256)
    except IntegrityError:
        # Lost the race on (bank, notification_id) where the database could not say so without an error (SQLite):
        # the winner has committed, its answer is stored.
        stored = _stored_answer(bank, data.notification_id)
        if stored is None:
            raise
        return stored


def _paid_on(paid_at: datetime.datetime | None) -> datetime.date:
    """The business day of a payment: the local day the bank says it was paid, so a notification that arrives after
    midnight is booked on the day the bank's statement shows it; never later than today (a clock ahead at the bank
    must not book into the future)."""
    today = timezone.localdate()
    if paid_at is None:
        return today
    # A time without a zone is the bank's wall-clock time, which is local time here.
    day = paid_at.date() if timezone.is_naive(paid_at) else timezone.localdate(paid_at)
    return min(day, today)


def _claim(*, bank: Bank, data: NotificationData, payload: dict[str, Any], body_sha256: str) -> BankNotification | None:
    """Insert the notification's row, or return None when (bank, notification id) is already taken — by a row
    committed before, or by a concurrent request (the insert waits for it to commit). One statement, and no
    savepoint: a duplicate is not an error here."""
    notification = BankNotification(bank=bank, notification_id=data.notification_id, body_sha256=body_sha256)
    notification.payload = payload
    if connection.vendor != "postgresql":
        if BankNotification.objects.filter(bank=bank, notification_id=data.notification_id).exists():
            return None
        with transaction.atomic():
            notification.save(force_insert=True)
        return notification
    notification.received_at = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO funds_banknotification (bank_id, notification_id, received_at, body_sha256, payload, outcome, "
            "response_status, response_body, division_code) VALUES (%s, %s, %s, %s, %s::jsonb, %s, 200, '{}', '') "
            "ON CONFLICT (bank_id, notification_id) DO NOTHING RETURNING id",
            [
                bank.pk,
                data.notification_id,
                notification.received_at,
                body_sha256,
                json.dumps(payload, ensure_ascii=False, cls=DjangoJSONEncoder),
                NotificationOutcome.PROCESSING,
            ],
        )
        row = cur.fetchone()
    if row is None:
        return None
    notification.pk = row[0]
    notification._state.adding = False
    notification._state.db = connection.alias
    return notification


def _stored_answer(bank: Bank, notification_id: str) -> NotificationResult | None:
    stored = BankNotification.objects.filter(bank=bank, notification_id=notification_id).first()
    if stored is None:
        return None
    return NotificationResult(stored.response_status, stored.response_body, replay=True)


@transaction.atomic
def _receive_first(
    *, bank: Bank, data: NotificationData, payload: dict[str, Any], body_sha256: str
) -> NotificationResult:
    notification = _claim(bank=bank, data=data, payload=payload, body_sha256=body_sha256)
    if notification is None:
        stored = _stored_answer(bank, data.notification_id)
        if stored is None:  # pragma: no cover - the row that refused ours exists and is committed
            raise IntegrityError("bank notification claimed but not stored")
        return stored

    # The order, its enrolment and institution in one query; only the order's row is locked.
    order = (
        PaymentOrder.objects.select_for_update(of=("self",))
        .select_related("enrolment__institution")
        .filter(bank=bank, order_no=data.order_no)
        .first()
        if data.order_no
        else None
    )
    reason = ""
    if order is None:
        reason = _("缴费单号不存在或不属于本行：%(no)s") % {"no": data.order_no or "-"}
    elif order.status != PaymentOrderStatus.PENDING:
        reason = _("缴费单 %(no)s 状态为“%(status)s”，不能再次入账。") % {
            "no": order.order_no,
            "status": order.get_status_display(),
        }
    elif order.amount_fen != data.amount_fen:
        reason = _("到账金额 %(got)s 分与缴费单金额 %(want)s 分不符。") % {
            "got": data.amount_fen,
            "want": order.amount_fen,
        }

    body: dict[str, Any] = {"notification_id": data.notification_id, "bank_reference": data.bank_reference}
    paid_on = _paid_on(data.paid_at)
    if reason:
        entry = ledger.post_suspense_in(
            actor=None,
            bank=bank,
            amount_fen=data.amount_fen,
            bank_reference=data.bank_reference,
            reference=f"notification:{data.notification_id}",
            business_date=paid_on,
        )
        case = SuspenseCase.objects.create(
            bank=bank,
            notification=notification,
            amount_fen=data.amount_fen,
            bank_reference=data.bank_reference,
            reason=reason,
            entry=entry,
            division_code=order.division_code if order is not None else "",
        )
        audit_record(
            actor=None,
            action="funds.suspense_open",
            obj=case,
            after={"reason": reason, "amount_fen": data.amount_fen, "bank_reference": data.bank_reference},
        )
        notification.outcome = NotificationOutcome.SUSPENSE
        body |= {"result": "suspense", "entry_id": entry.pk, "suspense_case_id": case.pk, "detail": reason}
    else:
        assert order is not None
        entry = ledger.post_payment_in(
            actor=None,
            enrolment=order.enrolment,
            amount_fen=data.amount_fen,
            bank=bank,
            bank_reference=data.bank_reference,
            reference=order.order_no,
            business_date=paid_on,
        )
        PaymentOrder.objects.filter(pk=order.pk).update(
            status=PaymentOrderStatus.PAID, paid_at=data.paid_at or timezone.now(), entry=entry
        )
        notification.outcome = NotificationOutcome.BOOKED
        notification.order = order
        notification.division_code = order.division_code
        body |= {"result": "booked", "entry_id": entry.pk, "order_no": order.order_no}
    notification.entry = entry
    notification.response_status = 200
    notification.response_body = body
    notification.save(update_fields=["outcome", "order", "entry", "division_code", "response_status", "response_body"])
    # The audit event last: whatever lock it takes is then held for the shortest time before COMMIT.
    if order is not None and not reason:
        audit_record(
            actor=None,
            action="funds.order_paid",
            obj=order,
            after={"amount_fen": data.amount_fen, "bank_reference": data.bank_reference, "entry": entry.pk},
        )
    return NotificationResult(200, body, replay=False)
