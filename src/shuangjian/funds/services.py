"""Supervision setup (banks, custody accounts, risk deposits) and payment orders with fee caps.

Every function here is a write: keyword-only, atomic, audited. Bank notifications are in ``payments.py``.
"""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.permissions import is_bank_operator
from shuangjian.core.rules import Violation, raise_if_any
from shuangjian.registry.models import Institution, SupervisionMode
from shuangjian.students.models import Enrolment

from . import rules
from .models import (
    Bank,
    BankOperator,
    ConsumptionRequest,
    ConsumptionStatus,
    CustodyAccount,
    PaymentOrder,
    PaymentOrderStatus,
    RiskDeposit,
    SignatureScheme,
    StatementFormat,
)

BASIS_CUSTODY = rules.BASIS_2021_2


@transaction.atomic
def bank_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    notification_secret: str = "",
    statement_format: str = StatementFormat.CSV,
    signature_scheme: str = SignatureScheme.BODY,
    division_code: str = "",
) -> Bank:
    """A custody bank; a random secret is generated when none is given. ``division_code`` is the city or county
    the bank's custody service covers (see ``selectors.discrepancies_for_user`` for what it decides)."""
    bank = Bank.objects.create(
        code=code,
        name=name,
        notification_secret=notification_secret or secrets.token_hex(32),
        statement_format=statement_format,
        signature_scheme=signature_scheme,
        division_code=division_code,
    )
    audit_record(
        actor=actor,
        action="funds.bank_create",
        obj=bank,
        after={"code": code, "name": name, "signature_scheme": signature_scheme, "division_code": division_code},
    )
    return bank


@transaction.atomic
def bank_update(*, actor: User | None, bank: Bank, **changes: str) -> Bank:
    """Change a bank's settings (``name``, ``statement_format``, ``signature_scheme``, ``division_code``); audited
    with before/after.

    Changing the signature scheme takes effect on the next notification: agree the date with the bank first.
    """
    allowed = {"name", "statement_format", "signature_scheme", "division_code"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"bank_update cannot change {sorted(unknown)}")
    locked = Bank.objects.select_for_update().get(pk=bank.pk)
    before = {k: getattr(locked, k) for k in changes}
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.full_clean(exclude=["notification_secret"])
    locked.save(update_fields=list(changes))
    audit_record(actor=actor, action="funds.bank_update", obj=locked, before=before, after=dict(changes))
    return locked


def _set_supervision_mode(*, actor: User | None, institution: Institution, mode: str) -> None:
    # Bank custody is the stronger mode: a risk deposit never downgrades an institution already under custody.
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if locked.supervision_mode == mode:
        return
    if locked.supervision_mode == SupervisionMode.BANK_CUSTODY and mode == SupervisionMode.RISK_DEPOSIT:
        return
    before = locked.supervision_mode
    locked.supervision_mode = mode
    # save() rather than update(): the institution's history (simple-history) records the change of mode.
    locked.save(update_fields=["supervision_mode", "updated_at"])
    institution.supervision_mode = mode
    audit_record(
        actor=actor,
        action="institution.supervision_mode",
        obj=institution,
        before={"supervision_mode": before},
        after={"supervision_mode": mode},
    )


@transaction.atomic
def bank_operator_link(*, actor: User | None, user: User, bank: Bank) -> BankOperator:
    """Tie a custody-bank operator account to ``bank`` (replacing any earlier link); audited."""
    if not is_bank_operator(user):
        raise_if_any(
            [Violation("bank_operator_role", _("只有托管银行操作员账号可以关联银行。"), BASIS_CUSTODY, "user")]
        )
    link, _created = BankOperator.objects.update_or_create(user=user, defaults={"bank": bank})
    audit_record(actor=actor, action="funds.bank_operator_link", obj=link, after={"user": user.pk, "bank": bank.code})
    return link


@transaction.atomic
def custody_account_open(
    *,
    actor: User | None,
    institution: Institution,
    bank: Bank,
    account_no: str,
    account_name: str = "",
    opened_on: datetime.date | None = None,
) -> CustodyAccount:
    """Open the institution's custody account (closing any earlier active one) and mark it as under bank custody."""
    CustodyAccount.objects.filter(institution=institution, is_active=True).update(is_active=False)
    account = CustodyAccount.objects.create(
        institution=institution,
        bank=bank,
        account_no=account_no,
        account_name=account_name or institution.name,
        opened_on=opened_on or timezone.localdate(),
        division_code=institution.division_code,
    )
    audit_record(
        actor=actor,
        action="funds.custody_open",
        obj=account,
        after={"institution": institution.pk, "bank": bank.code, "account_no": account_no},
    )
    _set_supervision_mode(actor=actor, institution=institution, mode=SupervisionMode.BANK_CUSTODY)
    return account


@transaction.atomic
def risk_deposit_record(
    *,
    actor: User | None,
    institution: Institution,
    amount_fen: int,
    required_share_bp: int,
    deposited_on: datetime.date | None = None,
    bank: Bank | None = None,
) -> RiskDeposit:
    """Record a risk deposit (风险保证金); the institution counts as supervised by deposit unless under custody."""
    if amount_fen < 0 or not 0 <= required_share_bp <= 10000:
        raise_if_any([Violation("risk_deposit_invalid", _("保证金金额和比例必须有效。"), BASIS_CUSTODY, "amount_fen")])
    deposit = RiskDeposit.objects.create(
        institution=institution,
        bank=bank,
        amount_fen=amount_fen,
        required_share_bp=required_share_bp,
        deposited_on=deposited_on or timezone.localdate(),
        division_code=institution.division_code,
    )
    audit_record(
        actor=actor,
        action="funds.risk_deposit",
        obj=deposit,
        after={"institution": institution.pk, "amount_fen": amount_fen, "required_share_bp": required_share_bp},
    )
    _set_supervision_mode(actor=actor, institution=institution, mode=SupervisionMode.RISK_DEPOSIT)
    return deposit


def active_custody_account(institution: Institution) -> CustodyAccount | None:
    return CustodyAccount.objects.filter(institution=institution, is_active=True).select_related("bank").first()


def remaining_paid_hours(enrolment: Enrolment) -> int | None:
    """Class hours paid and not yet consumed, or None when nothing has been paid yet."""
    paid = PaymentOrder.objects.filter(enrolment=enrolment, status=PaymentOrderStatus.PAID).aggregate(
        h=Sum("class_hours")
    )["h"]
    if paid is None:
        return None
    consumed = (
        ConsumptionRequest.objects.filter(enrolment=enrolment)
        .exclude(status__in=[ConsumptionStatus.CANCELLED, ConsumptionStatus.UPHELD])
        .count()
    )
    return max(paid - consumed, 0)


@transaction.atomic
def payment_order_create(
    *,
    actor: User | None,
    enrolment: Enrolment,
    class_hours: int,
    period_start: datetime.date,
    period_end: datetime.date,
    today: datetime.date | None = None,
    caps: rules.FeeCaps | None = None,
) -> PaymentOrder:
    """A charge for ``class_hours`` lessons at the enrolment's price, payable at the institution's custody bank.

    Raises ``RuleViolationError`` with every broken rule: no custody account; more than the hour, period or amount
    cap (the strictest applies); earlier than allowed before ``period_start``; a renewal while more than the
    allowed hours remain.
    """
    # Serialise charges per enrolment: two concurrent orders must not both pass the renewal rule.
    enrolment = Enrolment.objects.select_for_update().select_related("institution").get(pk=enrolment.pk)
    custody = active_custody_account(enrolment.institution)
    found: list[Violation] = []
    if custody is None:
        found.append(
            Violation("custody_missing", _("该机构尚未开设资金托管账户，不能收取预付费。"), BASIS_CUSTODY, "enrolment")
        )
    remaining = remaining_paid_hours(enrolment)
    found += rules.check_payment_order(
        class_hours=class_hours,
        price_per_lesson_fen=enrolment.price_per_lesson_fen,
        period_start=period_start,
        period_end=period_end,
        course_start=period_start,
        today=today or timezone.localdate(),
        remaining_hours=remaining,
        caps=caps or rules.FeeCaps.from_settings(),
    )
    raise_if_any(found)
    assert custody is not None
    order = PaymentOrder.objects.create(
        order_no=f"PO{timezone.localdate():%Y%m%d}{secrets.token_hex(6).upper()}",
        enrolment=enrolment,
        institution=enrolment.institution,
        bank=custody.bank,
        amount_fen=class_hours * enrolment.price_per_lesson_fen,
        class_hours=class_hours,
        period_start=period_start,
        period_end=period_end,
        is_renewal=remaining is not None,
        created_by=actor if actor is not None and actor.pk else None,
        division_code=enrolment.division_code,
    )
    audit_record(
        actor=actor,
        action="funds.order_create",
        obj=order,
        after={"order_no": order.order_no, "amount_fen": order.amount_fen, "class_hours": class_hours},
    )
    return order
