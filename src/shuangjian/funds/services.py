"""Supervision setup (banks, custody accounts, risk deposits) and payment orders with fee caps.

Every function here is a write: keyword-only, atomic, audited. Funds' services are this module and the write
modules beside it, one per stage of the money's path (each function ``<entity>_<action>(*, actor, ...)``):

* ``services.py`` — banks and their operators, custody accounts, risk deposits, payment orders (fee caps);
* ``payments.py`` — bank payment notifications: money in, booked once per notification;
* ``release.py`` — lesson consumption (confirm, dispute, auto-confirm) and release batches (一课一消);
* ``refunds.py`` — refund requests, answers, deemed agreement, refund batches, direct refunds;
* ``instructions.py`` — the bank's answers to payout and refund instructions;
* ``reconcile.py`` — statement import and matching, discrepancies, maker-checker adjustments;
* ``ledger/`` — the double-entry engine they all book through (the only writer of entries and balances).

Reads are in ``selectors.py``; bank adapters (the simulated bank) in ``banks/``, chosen by setting.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

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

from . import ledger, rules
from .models import (
    AccountKind,
    Bank,
    BankOperator,
    ConsumptionRequest,
    ConsumptionStatus,
    CustodyAccount,
    EntryKind,
    LedgerAccount,
    PaymentOrder,
    PaymentOrderStatus,
    RefundRequest,
    RefundRoute,
    RefundStatus,
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
    signature_scheme: str = SignatureScheme.TIMESTAMP_BODY,
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


def supervision_mode_of(institution_id: int) -> str:
    """The mode the funds records say: bank custody with an active custody account, else risk deposit with an active
    deposit, else none. Bank custody is the stronger mode, so a deposit never downgrades an account."""
    if CustodyAccount.objects.filter(institution_id=institution_id, is_active=True).exists():
        return SupervisionMode.BANK_CUSTODY
    if RiskDeposit.objects.filter(institution_id=institution_id, is_active=True).exists():
        return SupervisionMode.RISK_DEPOSIT
    return SupervisionMode.NONE


def _sync_supervision_mode(*, actor: User | None, institution: Institution) -> None:
    """Copy the mode the funds records say onto ``Institution.supervision_mode``.

    The custody accounts and deposits are the one source of truth; the registry keeps a copy only so that lists,
    filters and the public search can use an indexed column (the registry sits below funds and cannot ask it).
    Only the funds services that open or close an account or deposit call this; nothing else writes the field.
    """
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    mode = supervision_mode_of(locked.pk)
    institution.supervision_mode = mode
    if locked.supervision_mode == mode:
        return
    before = locked.supervision_mode
    locked.supervision_mode = mode
    # save() rather than update(): the institution's history (simple-history) records the change of mode.
    locked.save(update_fields=["supervision_mode", "updated_at"])
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
    settlement_account_no: str = "",
    settlement_account_name: str = "",
    settlement_bank_name: str = "",
) -> CustodyAccount:
    """Open the institution's custody account (closing any earlier active one) and mark it as under bank custody.

    ``settlement_*``: the institution's own account that released money is paid out to (named in the custody
    agreement); release instructions are drafted only once it is known."""
    CustodyAccount.objects.filter(institution=institution, is_active=True).update(is_active=False)
    account = CustodyAccount.objects.create(
        institution=institution,
        bank=bank,
        account_no=account_no,
        account_name=account_name or institution.name,
        settlement_account_no=settlement_account_no,
        settlement_account_name=settlement_account_name or (institution.name if settlement_account_no else ""),
        settlement_bank_name=settlement_bank_name,
        opened_on=opened_on or timezone.localdate(),
        division_code=institution.division_code,
    )
    audit_record(
        actor=actor,
        action="funds.custody_open",
        obj=account,
        after={
            "institution": institution.pk,
            "bank": bank.code,
            "account_no": account_no,
            "settlement_account_no": settlement_account_no,
            "settlement_bank_name": settlement_bank_name,
        },
    )
    _sync_supervision_mode(actor=actor, institution=institution)
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
    if amount_fen > 0:
        cash, held = deposit_accounts(institution)
        ledger.journal_post(
            actor=actor,
            kind=EntryKind.ADJUSTMENT,
            lines=[(cash, amount_fen), (held, -amount_fen)],
            reference=f"deposit:{deposit.pk}",
            memo=_("风险保证金缴存"),
            institution=institution,
            business_date=deposit.deposited_on,
            idempotency_key=f"deposit:{deposit.pk}",
        )
    _sync_supervision_mode(actor=actor, institution=institution)
    return deposit


@transaction.atomic
def custody_account_close(*, actor: User | None, account: CustodyAccount) -> CustodyAccount:
    """Close a custody account (the institution's mode follows: its deposit if it has one, else none); audited."""
    locked = CustodyAccount.objects.select_for_update().get(pk=account.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(actor=actor, action="funds.custody_close", obj=locked, before={"is_active": True})
    _sync_supervision_mode(actor=actor, institution=locked.institution)
    return locked


@transaction.atomic
def risk_deposit_release(*, actor: User | None, deposit: RiskDeposit) -> RiskDeposit:
    """Release (return) a risk deposit: it no longer covers the institution; audited."""
    locked = RiskDeposit.objects.select_for_update().get(pk=deposit.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(actor=actor, action="funds.risk_deposit_release", obj=locked, before={"is_active": True})
    _sync_supervision_mode(actor=actor, institution=locked.institution)
    return locked


def deposit_accounts(institution: Institution) -> tuple[LedgerAccount, LedgerAccount]:
    """The ledger pair that holds an institution's risk deposit: the money at the deposit bank (an asset, kind
    custody cash, since the bureau can draw on it like custody money) and what it is held for (kind suspense: money
    the bank holds that belongs to no parent until a regulator draws on it). Keys start ``deposit``, which the
    overview keeps apart from custody money."""
    cash, _created = LedgerAccount.objects.get_or_create(
        key=f"deposit:cash:i:{institution.pk}",
        defaults={
            "kind": AccountKind.CUSTODY_CASH,
            "institution": institution,
            "division_code": institution.division_code,
        },
    )
    held, _created = LedgerAccount.objects.get_or_create(
        key=f"deposit:held:i:{institution.pk}",
        defaults={"kind": AccountKind.SUSPENSE, "institution": institution, "division_code": institution.division_code},
    )
    return cash, held


@dataclass(frozen=True)
class DepositCover:
    deposit_fen: int  # what is left of the deposit (after any draw)
    share_bp: int
    covered_fen: int  # outstanding prepaid money the deposit covers
    outstanding_fen: int  # prepaid money collected directly and not yet consumed or refunded


def deposit_outstanding_fen(institution_id: int) -> int:
    """Prepaid money a deposit institution collected itself (paid direct orders) not yet consumed or refunded."""
    collected = (
        PaymentOrder.objects.filter(
            institution_id=institution_id, bank__isnull=True, status=PaymentOrderStatus.PAID
        ).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    consumed = (
        ConsumptionRequest.objects.filter(institution_id=institution_id)
        .exclude(status__in=[ConsumptionStatus.CANCELLED, ConsumptionStatus.UPHELD])
        .aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    refunded = (
        RefundRequest.objects.filter(
            institution_id=institution_id,
            route=RefundRoute.DIRECT,
            status__in=[
                RefundStatus.AGREED,
                RefundStatus.DEEMED_AGREED,
                RefundStatus.ORDERED,
                RefundStatus.PAID,
                RefundStatus.PAID_DIRECT,
            ],
        ).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    return max(collected - consumed - refunded, 0)


def deposit_cover(institution: Institution) -> DepositCover | None:
    """The institution's active risk deposit and what it covers; None when it has none."""
    deposit = (
        RiskDeposit.objects.filter(institution=institution, is_active=True).order_by("-deposited_on", "-pk").first()
    )
    if deposit is None:
        return None
    remaining = (
        LedgerAccount.objects.filter(key=f"deposit:cash:i:{institution.pk}")
        .values_list("balance_fen", flat=True)
        .first()
        or 0
    )
    share = deposit.required_share_bp or rules.risk_deposit_share_bp()
    return DepositCover(
        deposit_fen=remaining,
        share_bp=share,
        covered_fen=rules.deposit_covered_fen(remaining, share),
        outstanding_fen=deposit_outstanding_fen(institution.pk),
    )


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
    amount = class_hours * enrolment.price_per_lesson_fen
    found: list[Violation] = []
    cover = deposit_cover(enrolment.institution) if custody is None else None
    if custody is None and cover is None:
        found.append(
            Violation(
                "custody_missing",
                _("该机构既未开设资金托管账户，也未缴存风险保证金，不能收取预付费。"),
                BASIS_CUSTODY,
                "enrolment",
            )
        )
    elif cover is not None:
        # Under a risk deposit the institution collects itself, only within what the deposit covers; pending
        # direct orders count too, so several unpaid orders cannot together exceed it.
        pending = (
            PaymentOrder.objects.filter(
                institution_id=enrolment.institution_id, bank__isnull=True, status=PaymentOrderStatus.PENDING
            ).aggregate(t=Sum("amount_fen"))["t"]
            or 0
        )
        found += rules.check_deposit_collection(
            deposit_fen=cover.deposit_fen,
            share_bp=cover.share_bp,
            outstanding_fen=cover.outstanding_fen + pending,
            new_fen=amount,
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
    order = PaymentOrder.objects.create(
        order_no=f"PO{timezone.localdate():%Y%m%d}{secrets.token_hex(6).upper()}",
        enrolment=enrolment,
        institution=enrolment.institution,
        bank=custody.bank if custody is not None else None,
        amount_fen=amount,
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


@transaction.atomic
def payment_order_record_direct(*, actor: User, order: PaymentOrder, reference: str) -> PaymentOrder:
    """A risk-deposit institution records that the parent paid a direct order (its receipt or transfer number).

    Refused for custody orders (the bank's notification books those) and for orders not pending. The coverage was
    checked when the order was made; pending direct orders count against it, so recording one cannot exceed it.
    """
    reference = (reference or "").strip()
    current = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    found: list[Violation] = []
    if not reference:
        found.append(
            Violation("order_reference", _("请填写收款凭证号（收据号或转账流水号）。"), BASIS_CUSTODY, "reference")
        )
    if current.bank_id is not None:
        found.append(
            Violation("order_custody", _("该缴费单由托管银行到账通知入账，机构不能登记。"), BASIS_CUSTODY, "order")
        )
    if current.status != PaymentOrderStatus.PENDING:
        found.append(Violation("order_state", _("该缴费单不是待缴费状态。"), BASIS_CUSTODY, "status"))
    raise_if_any(found)
    current.status = PaymentOrderStatus.PAID
    current.paid_at = timezone.now()
    current.direct_reference = reference[:64]
    current.save(update_fields=["status", "paid_at", "direct_reference"])
    audit_record(
        actor=actor,
        action="funds.order_paid_direct",
        obj=current,
        after={"order_no": current.order_no, "amount_fen": current.amount_fen, "reference": current.direct_reference},
    )
    return current
