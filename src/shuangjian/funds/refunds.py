"""Refunds: the parent applies for the unconsumed balance; the institution agrees or refuses with a reason; its
silence for 5 working days is agreement; a regulator can order one.

Two routes (``RefundRoute``), fixed when the parent applies:

* custody (the institution has a custody account): once approved the amount leaves the parent's prepaid balance
  and is owed (refunds payable) until the bank confirms the instruction that pays it back by the original route.
* direct (the institution was never under bank custody — risk-deposit mode — so the parent paid it directly and
  the ledger holds nothing): the refundable amount is the enrolment's fee less lessons consumed, confirmed or
  awaiting confirmation, and earlier refunds; once approved the institution owes it and pays the parent itself,
  then records the payment (reference and date). Until then the regulator sees it among unfinished refunds (and
  as overdue on the overview); the risk deposit is what a regulator draws on if the institution never pays. The
  parent then confirms the money arrived, or says it did not: the regulator sees that among refund cases and can
  order the institution to pay again (``refund_reorder_direct``).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import User
from shuangjian.core.money import format_fen
from shuangjian.core.rules import Violation, raise_if_any
from shuangjian.students.models import Enrolment

from . import ledger, rules
from .instructions import refund_payee
from .models import (
    Bank,
    BankInstruction,
    BankInstructionBatch,
    ConsumptionRequest,
    ConsumptionStatus,
    CustodyAccount,
    EntryKind,
    InstructionKind,
    InstructionStatus,
    LedgerAccount,
    PaymentOrder,
    PaymentOrderStatus,
    RefundRequest,
    RefundRoute,
    RefundStatus,
)
from .release import _new_reference, _save_batch

BASIS_REFUND = _("全国校外教育培训监管与服务综合平台退费规则（2023）")

OPEN_REFUND = (RefundStatus.APPLIED, RefundStatus.REFUSED)
APPROVED_REFUND = (RefundStatus.AGREED, RefundStatus.DEEMED_AGREED, RefundStatus.ORDERED, RefundStatus.INSTRUCTED)
PAID_REFUND = (RefundStatus.PAID, RefundStatus.PAID_DIRECT)


def refund_route(enrolment: Enrolment) -> RefundRoute:
    """Direct when the institution has never had a custody account (its fees never reached custody)."""
    if CustodyAccount.objects.filter(institution_id=enrolment.institution_id).exists():
        return RefundRoute.CUSTODY
    return RefundRoute.DIRECT


def direct_paid_fen(enrolment: Enrolment) -> int:
    """What the parent paid the institution: its recorded direct orders, or — for an enrolment charged before
    direct orders existed (none at all) — the enrolment's fee."""
    orders = PaymentOrder.objects.filter(enrolment=enrolment, bank__isnull=True)
    if not orders.exists():
        return enrolment.total_fee_fen
    return orders.filter(status=PaymentOrderStatus.PAID).aggregate(t=Sum("amount_fen"))["t"] or 0


def direct_refundable_fen(enrolment: Enrolment) -> int:
    """For the direct route: what was paid (``direct_paid_fen``) less lessons consumed (also those awaiting
    confirmation or in dispute, as on the custody route) and less refunds already approved or paid."""
    consumed = (
        ConsumptionRequest.objects.filter(enrolment=enrolment)
        .exclude(status__in=[ConsumptionStatus.CANCELLED, ConsumptionStatus.UPHELD])
        .aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    refunded = (
        RefundRequest.objects.filter(enrolment=enrolment, status__in=(*APPROVED_REFUND, *PAID_REFUND)).aggregate(
            t=Sum("amount_fen")
        )["t"]
        or 0
    )
    return max(direct_paid_fen(enrolment) - consumed - refunded, 0)


def refundable_fen(enrolment: Enrolment) -> int:
    """The unconsumed balance: the parent's prepaid balance minus lessons attended but not yet released (they may
    still be confirmed) — refunding those would leave nothing to release them from."""
    balance = (
        LedgerAccount.objects.filter(key=f"prepaid:e:{enrolment.pk}").values_list("balance_fen", flat=True).first() or 0
    )
    held = (
        ConsumptionRequest.objects.filter(
            enrolment=enrolment,
            release_entry__isnull=True,
            status__in=[ConsumptionStatus.PENDING, ConsumptionStatus.DISPUTED],
        ).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    return max(balance - held, 0)


@transaction.atomic
def refund_apply(
    *,
    actor: User,
    enrolment: Enrolment,
    reason: str,
    today: datetime.date | None = None,
    confirmed_amount_fen: int | None = None,
) -> RefundRequest:
    """The parent applies for a refund of everything not yet consumed, saying why.

    ``confirmed_amount_fen`` is the amount the parent saw and confirmed on the page: when given and the refundable
    amount has changed since (a lesson confirmed meanwhile), the application is refused so the parent confirms the
    new amount rather than applying for a sum they never saw.
    """
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    found: list[Violation] = []
    reason = (reason or "").strip()
    if not reason:
        found.append(Violation("refund_reason", _("请填写退费理由。"), BASIS_REFUND, "reason"))
    if RefundRequest.objects.filter(enrolment=enrolment, status__in=(RefundStatus.APPLIED, *APPROVED_REFUND)).exists():
        found.append(Violation("refund_open", _("该报名已有处理中的退费申请。"), BASIS_REFUND, "enrolment"))
    route = refund_route(enrolment)
    amount = refundable_fen(enrolment) if route == RefundRoute.CUSTODY else direct_refundable_fen(enrolment)
    if amount <= 0:
        found.append(Violation("refund_nothing", _("没有可退的未消课余额。"), BASIS_REFUND, "enrolment"))
    elif confirmed_amount_fen is not None and confirmed_amount_fen != amount:
        found.append(
            Violation(
                "refund_amount_changed",
                _("可退金额已变为 ¥%(amount)s，请核对后重新确认。") % {"amount": format_fen(amount)},
                BASIS_REFUND,
                "amount_fen",
            )
        )
    raise_if_any(found)
    today = today or timezone.localdate()
    refund = RefundRequest.objects.create(
        enrolment=enrolment,
        institution_id=enrolment.institution_id,
        amount_fen=amount,
        route=route,
        reason=reason[:2000],
        applied_by=actor,
        reply_due_date=add_working_days(today, rules.refund_silence_working_days()),
        division_code=enrolment.division_code,
    )
    audit_record(
        actor=actor,
        action="funds.refund_apply",
        obj=refund,
        after={"amount_fen": amount, "reply_due_date": str(refund.reply_due_date), "route": route},
    )
    return refund


def _locked(refund: RefundRequest, *statuses: str) -> RefundRequest:
    current = (
        RefundRequest.objects.select_for_update(of=("self",))
        .select_related("enrolment", "institution")
        .get(pk=refund.pk)
    )
    if current.status not in statuses:
        raise_if_any([Violation("refund_state", _("该退费申请当前状态不能进行此操作。"), BASIS_REFUND, "status")])
    return current


def _approve(*, actor: User | None, refund: RefundRequest, status: str) -> RefundRequest:
    """Custody route: book the refund as owed (at most what is still unconsumed now) and draft its bank instruction.
    Direct route: the institution owes it (at most what is still unconsumed now); nothing is booked."""
    if refund.route == RefundRoute.DIRECT:
        return _approve_direct(actor=actor, refund=refund, status=status)
    amount = min(refund.amount_fen, refundable_fen(refund.enrolment))
    if amount <= 0:
        raise_if_any([Violation("refund_nothing", _("没有可退的未消课余额。"), BASIS_REFUND, "amount_fen")])
    entry = ledger.post_refund_approve(
        actor=actor, enrolment=refund.enrolment, amount_fen=amount, reference=f"refund:{refund.pk}"
    )
    # The money sits at the bank of the institution's custody account; if that account was closed since, the
    # latest one still holds it, so the instruction goes there rather than leaving the refund owed forever.
    custody = (
        CustodyAccount.objects.filter(institution_id=refund.institution_id)
        .order_by("-is_active", "-opened_on", "-pk")
        .first()
    )
    instruction = None
    if custody is not None:
        payee = refund_payee(
            enrolment=refund.enrolment, fallback_name=refund.applied_by.display_name or refund.applied_by.username
        )
        instruction = BankInstruction.objects.create(
            bank_id=custody.bank_id,
            kind=InstructionKind.REFUND,
            reference=f"RF{refund.pk:08d}",
            institution_id=refund.institution_id,
            enrolment=refund.enrolment,
            amount_fen=amount,
            payee_name=payee.name,
            payee_account=payee.account,
            payee_bank_name=payee.bank_name,
            payer_account=custody.account_no,
            division_code=refund.division_code,
        )
    before = refund.status
    refund.status = status
    refund.amount_fen = amount
    refund.approve_entry = entry
    refund.instruction = instruction
    refund.save(update_fields=["status", "amount_fen", "approve_entry", "instruction"])
    audit_record(
        actor=actor,
        action=f"funds.refund_{status}",
        obj=refund,
        before={"status": before},
        after={"status": status, "amount_fen": amount, "entry": entry.pk},
    )
    return refund


def _approve_direct(*, actor: User | None, refund: RefundRequest, status: str) -> RefundRequest:
    # This request's own amount is not yet approved, so it is not subtracted by direct_refundable_fen.
    amount = min(refund.amount_fen, direct_refundable_fen(refund.enrolment))
    if amount <= 0:
        raise_if_any([Violation("refund_nothing", _("没有可退的未消课余额。"), BASIS_REFUND, "amount_fen")])
    before = refund.status
    refund.status = status
    refund.amount_fen = amount
    refund.save(update_fields=["status", "amount_fen"])
    audit_record(
        actor=actor,
        action=f"funds.refund_{status}",
        obj=refund,
        before={"status": before},
        after={"status": status, "amount_fen": amount, "route": RefundRoute.DIRECT},
    )
    return refund


@transaction.atomic
def refund_record_direct_payment(
    *, actor: User, refund: RefundRequest, reference: str, paid_on: datetime.date | None = None
) -> RefundRequest:
    """The institution records that it paid an approved direct-route refund back to the parent (transfer or
    receipt number, date); the refund is then finished. Refused for custody-route refunds (the bank pays those)."""
    reference = (reference or "").strip()
    found: list[Violation] = []
    if not reference:
        found.append(
            Violation("refund_reference", _("请填写退款凭证号（转账流水号或收据号）。"), BASIS_REFUND, "reference")
        )
    paid_on = paid_on or timezone.localdate()
    if paid_on > timezone.localdate():
        found.append(Violation("refund_paid_on", _("退款日期不能晚于今天。"), BASIS_REFUND, "paid_on"))
    raise_if_any(found)
    current = _locked(refund, RefundStatus.AGREED, RefundStatus.DEEMED_AGREED, RefundStatus.ORDERED)
    if current.route != RefundRoute.DIRECT:
        raise_if_any([Violation("refund_route", _("该退费由托管银行原路退回，无需机构登记。"), BASIS_REFUND, "route")])
    current.status = RefundStatus.PAID_DIRECT
    current.direct_reference = reference[:64]
    current.direct_paid_on = paid_on
    current.direct_recorded_by = actor
    current.save(update_fields=["status", "direct_reference", "direct_paid_on", "direct_recorded_by"])
    audit_record(
        actor=actor,
        action="funds.refund_paid_direct",
        obj=current,
        after={"amount_fen": current.amount_fen, "reference": current.direct_reference, "paid_on": str(paid_on)},
    )
    return current


def _awaiting_receipt(refund: RefundRequest) -> RefundRequest:
    """The refund, locked, if the institution recorded it paid directly and the parent has not confirmed it yet."""
    current = _locked(refund, RefundStatus.PAID_DIRECT)
    if current.direct_confirmed_at is not None:
        raise_if_any([Violation("refund_receipt_done", _("已确认收到该笔退款。"), BASIS_REFUND, "status")])
    return current


@transaction.atomic
def refund_confirm_receipt(*, actor: User, refund: RefundRequest) -> RefundRequest:
    """The parent confirms receiving a direct-route refund the institution recorded as paid (also after saying it
    had not arrived: the money came later)."""
    current = _awaiting_receipt(refund)
    current.direct_confirmed_at = timezone.now()
    current.save(update_fields=["direct_confirmed_at"])
    audit_record(
        actor=actor,
        action="funds.refund_receipt_confirmed",
        obj=current,
        after={"amount_fen": current.amount_fen, "reference": current.direct_reference},
    )
    return current


@transaction.atomic
def refund_dispute_receipt(*, actor: User, refund: RefundRequest, reason: str) -> RefundRequest:
    """The parent says a direct-route refund the institution recorded as paid has not arrived: the county
    regulator sees it among refund cases and can order the institution to pay again."""
    reason = (reason or "").strip()
    if not reason:
        raise_if_any([Violation("refund_receipt_reason", _("请说明未收到退款的情况。"), BASIS_REFUND, "reason")])
    current = _awaiting_receipt(refund)
    current.direct_disputed_at = timezone.now()
    current.direct_dispute_reason = reason[:2000]
    current.save(update_fields=["direct_disputed_at", "direct_dispute_reason"])
    audit_record(
        actor=actor,
        action="funds.refund_receipt_disputed",
        obj=current,
        after={"reason": current.direct_dispute_reason, "reference": current.direct_reference},
    )
    return current


@transaction.atomic
def refund_reorder_direct(*, actor: User, refund: RefundRequest) -> RefundRequest:
    """A regulator orders the institution to pay a direct-route refund again that the parent says never arrived:
    it is owed again (ordered) until the institution records a new payment; the old record stays in the audit log."""
    current = _locked(refund, RefundStatus.PAID_DIRECT)
    if current.direct_disputed_at is None or current.direct_confirmed_at is not None:
        raise_if_any(
            [Violation("refund_receipt_state", _("只有家长反映未收到的退款才能责令重新退款。"), BASIS_REFUND, "status")]
        )
    before = {
        "status": current.status,
        "reference": current.direct_reference,
        "paid_on": str(current.direct_paid_on),
        "dispute": current.direct_dispute_reason,
    }
    current.status = RefundStatus.ORDERED
    current.ordered_by = actor
    current.ordered_at = timezone.now()
    current.direct_reference = ""
    current.direct_paid_on = None
    current.direct_recorded_by = None
    current.direct_disputed_at = None
    current.direct_dispute_reason = ""
    current.save(
        update_fields=[
            "status",
            "ordered_by",
            "ordered_at",
            "direct_reference",
            "direct_paid_on",
            "direct_recorded_by",
            "direct_disputed_at",
            "direct_dispute_reason",
        ]
    )
    audit_record(
        actor=actor,
        action="funds.refund_reordered",
        obj=current,
        before=before,
        after={"status": current.status, "amount_fen": current.amount_fen},
    )
    return current


@transaction.atomic
def refund_withdraw(*, actor: User, refund: RefundRequest) -> RefundRequest:
    """The parent withdraws an application the institution has not answered yet (nothing was booked: the money stays
    prepaid). Once the institution agreed or refused, or its silence counted as agreement, it is too late."""
    current = _locked(refund, RefundStatus.APPLIED)
    # Past the reply deadline the institution's silence already counts as agreement (the daily job books it).
    if current.replied_at is not None or current.reply_due_date < timezone.localdate():
        raise_if_any([Violation("refund_answered", _("机构已答复，不能撤回该退费申请。"), BASIS_REFUND, "status")])
    current.status = RefundStatus.CANCELLED
    current.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="funds.refund_withdraw",
        obj=current,
        before={"status": RefundStatus.APPLIED},
        after={"status": RefundStatus.CANCELLED, "amount_fen": current.amount_fen},
    )
    return current


@transaction.atomic
def refund_pay_from_deposit(*, actor: User, refund: RefundRequest, today: datetime.date | None = None) -> RefundRequest:
    """A regulator pays an approved direct-route refund from the institution's risk deposit when the institution has
    not paid it by its deadline: one balanced entry takes the amount out of the deposit (what the deposit is for),
    the refund is paid. Refused before the deadline, for custody refunds (the bank pays those from custody), and when
    what is left of the deposit is less than the refund (nothing is booked then)."""
    today = today or timezone.localdate()
    current = _locked(refund, RefundStatus.AGREED, RefundStatus.DEEMED_AGREED, RefundStatus.ORDERED)
    found: list[Violation] = []
    if current.route != RefundRoute.DIRECT:
        found.append(
            Violation("refund_route", _("该退费由托管银行原路退回，不动用风险保证金。"), BASIS_REFUND, "route")
        )
    elif current.reply_due_date >= today:
        found.append(
            Violation(
                "refund_not_due",
                _("机构退款期限（%(day)s）未过，暂不能动用风险保证金。") % {"day": current.reply_due_date.isoformat()},
                BASIS_REFUND,
                "status",
            )
        )
    raise_if_any(found)
    cash = LedgerAccount.objects.filter(key=f"deposit:cash:i:{current.institution_id}").first()
    held = LedgerAccount.objects.filter(key=f"deposit:held:i:{current.institution_id}").first()
    remaining = cash.balance_fen if cash is not None else 0
    if cash is None or held is None or remaining < current.amount_fen:
        raise_if_any(
            [
                Violation(
                    "deposit_insufficient_for_refund",
                    _("风险保证金余额 ¥%(left)s 不足以支付退费 ¥%(amount)s，请责令机构退款或补缴保证金。")
                    % {"left": format_fen(remaining), "amount": format_fen(current.amount_fen)},
                    BASIS_REFUND,
                    "amount_fen",
                )
            ]
        )
    assert cash is not None and held is not None
    entry = ledger.journal_post(
        actor=actor,
        kind=EntryKind.REFUND_PAID,
        lines=[(held, current.amount_fen), (cash, -current.amount_fen)],
        reference=f"refund:{current.pk}:deposit",
        memo=_("风险保证金代付退费"),
        institution=current.institution,
        enrolment=current.enrolment,
        business_date=today,
        idempotency_key=f"refund:{current.pk}:deposit",
    )
    before = current.status
    current.status = RefundStatus.PAID
    current.paid_entry = entry
    current.save(update_fields=["status", "paid_entry"])
    audit_record(
        actor=actor,
        action="funds.refund_paid_from_deposit",
        obj=current,
        before={"status": before},
        after={"status": current.status, "amount_fen": current.amount_fen, "entry": entry.pk},
    )
    return current


@transaction.atomic
def refund_agree(*, actor: User, refund: RefundRequest) -> RefundRequest:
    current = _locked(refund, RefundStatus.APPLIED)
    current.replied_by = actor
    current.replied_at = timezone.now()
    current.save(update_fields=["replied_by", "replied_at"])
    return _approve(actor=actor, refund=current, status=RefundStatus.AGREED)


@transaction.atomic
def refund_refuse(*, actor: User, refund: RefundRequest, reason: str) -> RefundRequest:
    reason = (reason or "").strip()
    if not reason:
        raise_if_any([Violation("refusal_reason", _("拒绝退费必须说明理由。"), BASIS_REFUND, "reason")])
    current = _locked(refund, RefundStatus.APPLIED)
    current.status = RefundStatus.REFUSED
    current.refusal_reason = reason[:2000]
    current.replied_by = actor
    current.replied_at = timezone.now()
    current.save(update_fields=["status", "refusal_reason", "replied_by", "replied_at"])
    audit_record(actor=actor, action="funds.refund_refuse", obj=current, after={"reason": current.refusal_reason})
    return current


@transaction.atomic
def refund_order(*, actor: User, refund: RefundRequest) -> RefundRequest:
    """A regulator orders the refund (applied or refused ones)."""
    current = _locked(refund, *OPEN_REFUND)
    current.ordered_by = actor
    current.ordered_at = timezone.now()
    current.save(update_fields=["ordered_by", "ordered_at"])
    return _approve(actor=actor, refund=current, status=RefundStatus.ORDERED)


def refund_deem_agreed_due(*, today: datetime.date | None = None) -> int:
    """Applications unanswered after their 5-working-day deadline count as agreed; returns how many."""
    today = today or timezone.localdate()
    done = 0
    for pk in RefundRequest.objects.filter(status=RefundStatus.APPLIED, reply_due_date__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            current = RefundRequest.objects.select_for_update(of=("self",)).select_related("enrolment").get(pk=pk)
            if current.status != RefundStatus.APPLIED:
                continue
            _approve(actor=None, refund=current, status=RefundStatus.DEEMED_AGREED)
            done += 1
    return done


@transaction.atomic
def refund_batch_create(*, actor: User | None, bank: Bank) -> BankInstructionBatch | None:
    """Every drafted refund instruction at ``bank`` not yet in a batch, as one batch; None when there is none."""
    Bank.objects.select_for_update().get(pk=bank.pk)
    instructions = list(
        BankInstruction.objects.filter(
            bank=bank, kind=InstructionKind.REFUND, batch__isnull=True, status=InstructionStatus.DRAFT
        ).order_by("pk")
    )
    if not instructions:
        return None
    batch = BankInstructionBatch(
        bank=bank, kind=InstructionKind.REFUND, reference=_new_reference("FB"), created_by=actor
    )
    return _save_batch(actor=actor, batch=batch, instructions=instructions)
