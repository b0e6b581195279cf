"""Money in: a bank's signed payment notification booked exactly once.

``bank_notification_receive`` is idempotent on (bank, notification id): the first call books the payment (or parks
unknown money in suspense with a case) and stores its answer; every repeat — also 20 at the same instant — gets
that stored answer and books nothing. A unique constraint decides concurrent races: the insert of the second
waits for the first transaction, then fails and reads the committed row.

The path is written for throughput (issue #17: many banks posting at once): the bank row is kept per process
(``notification_bank``) and checked again by the claim's own statement, the order comes with its enrolment,
institution and both payment accounts in one query, and on PostgreSQL the order and the notification are updated by
one statement: BEGIN, claim, order, the ledger's statements, update, the order's audit event, COMMIT.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from . import ledger
from .models import (
    Bank,
    BankNotification,
    LedgerAccount,
    NotificationOutcome,
    PaymentOrder,
    PaymentOrderStatus,
    SuspenseCase,
)

# Active banks by code, per process: read once, then trusted only as far as each claim's statement confirms
# (``_claim``: same id, still active, same secret and scheme), so a deactivated bank or a new secret applies to the
# very next notification.
_BANKS: dict[str, Bank] = {}


def notification_bank(code: str, *, fresh: bool = False) -> tuple[Bank | None, bool]:
    """The active bank with ``code`` (None if there is none) and whether it was read from the database just now
    (``fresh``, or not in this process's memory yet) rather than remembered."""
    bank = None if fresh else _BANKS.get(code)
    if bank is not None:
        return bank, False
    _BANKS.pop(code, None)
    bank = Bank.objects.filter(code=code, is_active=True).first()
    if bank is not None:
        _BANKS[code] = bank
    return bank, True


def _prepared(sql: str, params: dict[str, Any] | list[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL: run ``sql`` as a server-side prepared statement (planned once per connection, not on every
    notification: the order's five-table join cost more to plan than to run) and return its rows."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
        raw.execute(sql, params, prepare=True)
        return raw.fetchall() if raw.description is not None else []


class BankChanged(Exception):
    """The bank row changed (deactivated, new secret or scheme) since this process read it: nothing was written;
    read the bank again and verify the request again."""


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


_CLAIM_SQL = """
WITH bank AS (
    SELECT id FROM funds_bank
     WHERE id = %(bank)s AND code = %(code)s AND is_active AND notification_secret = %(secret)s
       AND signature_scheme = %(scheme)s
), claimed AS (
    INSERT INTO funds_banknotification (bank_id, notification_id, received_at, body_sha256, payload, outcome,
                                        response_status, response_body, division_code)
    SELECT bank.id, %(notification_id)s, %(now)s, %(sha)s, %(payload)s::jsonb, %(outcome)s, 200, '{}', '' FROM bank
    ON CONFLICT (bank_id, notification_id) DO NOTHING
    RETURNING id
)
SELECT (SELECT id FROM claimed), EXISTS (SELECT 1 FROM bank)
"""


def _bank_unchanged(bank: Bank) -> bool:
    return Bank.objects.filter(
        pk=bank.pk,
        code=bank.code,
        is_active=True,
        notification_secret=bank.notification_secret,
        signature_scheme=bank.signature_scheme,
    ).exists()


def _claim(*, bank: Bank, data: NotificationData, payload: dict[str, Any], body_sha256: str) -> BankNotification | None:
    """Insert the notification's row, or return None when (bank, notification id) is already taken — by a row
    committed before, or by a concurrent request (the insert waits for it to commit). Raises ``BankChanged`` (with
    nothing written) if ``bank`` is no longer as the caller read it. One statement on PostgreSQL, and no
    savepoint: a duplicate is not an error here."""
    notification = BankNotification(bank=bank, notification_id=data.notification_id, body_sha256=body_sha256)
    notification.payload = payload
    if connection.vendor != "postgresql":
        if not _bank_unchanged(bank):
            raise BankChanged(bank.code)
        if BankNotification.objects.filter(bank=bank, notification_id=data.notification_id).exists():
            return None
        with transaction.atomic():
            notification.save(force_insert=True)
        return notification
    notification.received_at = timezone.now()
    ((claimed_id, bank_ok),) = _prepared(
        _CLAIM_SQL,
        {
            "bank": bank.pk,
            "code": bank.code,
            "secret": bank.notification_secret,
            "scheme": bank.signature_scheme,
            "notification_id": data.notification_id,
            "now": notification.received_at,
            "sha": body_sha256,
            "payload": json.dumps(payload, ensure_ascii=False, cls=DjangoJSONEncoder),
            "outcome": NotificationOutcome.PROCESSING.value,
        },
    )
    if not bank_ok:
        raise BankChanged(bank.code)
    if claimed_id is None:
        return None
    notification.pk = claimed_id
    notification._state.adding = False
    notification._state.db = connection.alias
    return notification


def _stored_answer(bank: Bank, notification_id: str) -> NotificationResult | None:
    stored = BankNotification.objects.filter(bank=bank, notification_id=notification_id).first()
    if stored is None:
        return None
    return NotificationResult(stored.response_status, stored.response_body, replay=True)


# The order with what booking it needs — its enrolment's institution and county, and both payment accounts when
# they exist — in one query; only the order's row is locked (``%s`` is the lock clause, empty on SQLite).
_ORDER_SQL = """
SELECT o.id, o.order_no, o.status, o.amount_fen, o.division_code, o.institution_id,
       e.id, e.institution_id, e.division_code, i.division_code,
       c.id, c.key, c.kind, c.balance_fen, p.id, p.key, p.kind, p.balance_fen
  FROM funds_paymentorder o
  JOIN students_enrolment e ON e.id = o.enrolment_id
  JOIN registry_institution i ON i.id = e.institution_id
  LEFT JOIN funds_ledgeraccount c ON c.key = 'cash:i:' || e.institution_id
  LEFT JOIN funds_ledgeraccount p ON p.key = 'prepaid:e:' || e.id
 WHERE o.bank_id = %s AND o.order_no = %s
 {lock}
"""
_ORDER_SQL_PG = _ORDER_SQL.format(lock="FOR UPDATE OF o")
_ORDER_SQL_OTHER = _ORDER_SQL.format(lock="")
_M = TypeVar("_M", bound=Model)


def _partial(model: type[_M], values: dict[str, Any]) -> _M:
    """An instance of ``model`` loaded with only ``values`` (attribute name → value; the rest deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def _account(values: tuple[Any, ...]) -> LedgerAccount:
    return _partial(LedgerAccount, dict(zip(("id", "key", "kind", "balance_fen"), values, strict=True)))


@dataclass
class _Order:
    order: PaymentOrder
    enrolment: Enrolment
    accounts: tuple[LedgerAccount, LedgerAccount]


def _locked_order(bank: Bank, order_no: str) -> _Order | None:
    """The bank's order ``order_no``, locked until commit, as partial instances (the fields booking reads); the
    payment accounts are created here on the enrolment's first payment."""
    if not order_no:
        return None
    if connection.vendor == "postgresql":
        rows = _prepared(_ORDER_SQL_PG, [bank.pk, order_no])
    else:
        with connection.cursor() as cur:
            cur.execute(_ORDER_SQL_OTHER, [bank.pk, order_no])
            rows = cur.fetchall()
    if not rows:
        return None
    row = rows[0]
    order_id, order_no, status, amount_fen, order_division, order_institution = row[:6]
    enrolment_id, institution_id, enrolment_division, institution_division = row[6:10]
    order = _partial(
        PaymentOrder,
        {
            "id": order_id,
            "order_no": order_no,
            "status": status,
            "amount_fen": amount_fen,
            "division_code": order_division,
            "institution_id": order_institution,
            "enrolment_id": enrolment_id,
        },
    )
    institution = _partial(Institution, {"id": institution_id, "division_code": institution_division})
    enrolment = _partial(
        Enrolment, {"id": enrolment_id, "institution_id": institution_id, "division_code": enrolment_division}
    )
    enrolment.institution = institution
    order.enrolment = enrolment
    cash = _account(row[10:14]) if row[10] is not None else ledger.account_custody_cash(institution)
    prepaid = _account(row[14:18]) if row[14] is not None else ledger.account_for_parent_enrolment(enrolment)
    return _Order(order, enrolment, (cash, prepaid))


_BOOKED_SQL = """
WITH paid AS (
    UPDATE funds_paymentorder SET status = %(paid)s, paid_at = %(paid_at)s, entry_id = %(entry)s WHERE id = %(order)s
)
UPDATE funds_banknotification
   SET outcome = %(outcome)s, order_id = %(order)s, entry_id = %(entry)s, division_code = %(division)s,
       response_status = 200, response_body = %(body)s::jsonb
 WHERE id = %(notification)s
"""


def _store_booked(
    notification: BankNotification, order: PaymentOrder, entry_id: int, paid_at: datetime.datetime
) -> None:
    """The order paid and the notification's answer stored: one statement on PostgreSQL."""
    body = notification.response_body
    if connection.vendor == "postgresql":
        _prepared(
            _BOOKED_SQL,
            {
                "paid": PaymentOrderStatus.PAID.value,
                "paid_at": paid_at,
                "entry": entry_id,
                "order": order.pk,
                "outcome": NotificationOutcome.BOOKED.value,
                "division": order.division_code,
                "body": json.dumps(body, ensure_ascii=False),
                "notification": notification.pk,
            },
        )
        return
    PaymentOrder.objects.filter(pk=order.pk).update(status=PaymentOrderStatus.PAID, paid_at=paid_at, entry=entry_id)
    notification.save(update_fields=["outcome", "order", "entry", "division_code", "response_status", "response_body"])


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

    found = _locked_order(bank, data.order_no)
    order = found.order if found is not None else None
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
        notification.entry = entry
        notification.response_status = 200
        notification.response_body = body
        notification.save(
            update_fields=["outcome", "order", "entry", "division_code", "response_status", "response_body"]
        )
        return NotificationResult(200, body, replay=False)

    assert found is not None and order is not None
    entry = ledger.post_payment_in(
        actor=None,
        enrolment=found.enrolment,
        amount_fen=data.amount_fen,
        bank=bank,
        bank_reference=data.bank_reference,
        reference=order.order_no,
        business_date=paid_on,
        accounts=found.accounts,
    )
    body |= {"result": "booked", "entry_id": entry.pk, "order_no": order.order_no}
    notification.outcome = NotificationOutcome.BOOKED
    notification.order = order
    notification.entry = entry
    notification.division_code = order.division_code
    notification.response_status = 200
    notification.response_body = body
    _store_booked(notification, order, entry.pk, data.paid_at or timezone.now())
    # The audit event last: whatever lock it takes is then held for the shortest time before COMMIT.
    audit_record(
        actor=None,
        action="funds.order_paid",
        obj=order,
        after={"amount_fen": data.amount_fen, "bank_reference": data.bank_reference, "entry": entry.pk},
    )
    return NotificationResult(200, body, replay=False)
