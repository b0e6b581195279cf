"""Release (一课一消): a lesson attended becomes a consumption request; the parent confirms or disputes it; silence
for N working days confirms it; a confirmed lesson moves its price from the parent's balance to the institution
through the ledger; released money goes to the bank as a batch of instructions.

Every write here is keyword-only, atomic and audited. The ledger itself (``ledger.post_release``) refuses a
release that is not tied to one confirmed request, so money released never exceeds confirmed consumption.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import User
from shuangjian.core.rules import Violation, raise_if_any
from shuangjian.students.models import Attendance

from . import ledger, rules
from .banks import bank_adapter
from .instructions import InstructionResult, instruction_batch_record_results, instruction_file
from .models import (
    CONFIRMED_CONSUMPTION,
    AccountKind,
    Bank,
    BankInstruction,
    BankInstructionBatch,
    ConsumptionRequest,
    ConsumptionStatus,
    CustodyAccount,
    InstructionKind,
    InstructionStatus,
    LedgerAccount,
    RefundRequest,
    RefundStatus,
)

BASIS_RELEASE = _("全国校外教育培训监管与服务综合平台消课规则（2023）")


def _lesson_date(attendance: Attendance) -> datetime.date:
    return timezone.localtime(attendance.session.starts_at).date()


# ---------------------------------------------------------------------------------------------------- requests


@transaction.atomic
def consumption_request_create_for_attendance(attendance: Attendance) -> ConsumptionRequest | None:
    """The consumption request for a *present* attendance (once per attendance; a repeat returns the first).

    Registered with ``students.hooks.on_attendance_recorded`` so it runs after the attendance commits. Absent
    students consume nothing; a free enrolment (price 0) has nothing to release.
    """
    if not attendance.present:
        return None
    existing = ConsumptionRequest.objects.filter(attendance=attendance).first()
    if existing is not None:
        return existing
    enrolment = attendance.enrolment
    if enrolment.price_per_lesson_fen <= 0:
        return None
    request, created = ConsumptionRequest.objects.get_or_create(
        attendance=attendance,
        defaults={
            "enrolment": enrolment,
            "institution_id": enrolment.institution_id,
            "session": attendance.session,
            "amount_fen": enrolment.price_per_lesson_fen,
            "due_date": add_working_days(_lesson_date(attendance), rules.confirm_working_days()),
            "division_code": enrolment.division_code,
        },
    )
    if created:
        audit_record(
            actor=None,
            action="funds.consumption_request",
            obj=request,
            after={"enrolment": enrolment.pk, "amount_fen": request.amount_fen, "due_date": str(request.due_date)},
        )
    return request


def on_attendance_recorded(attendance: Attendance) -> None:
    """The students hook: runs after a present attendance commits."""
    consumption_request_create_for_attendance(attendance)


def _release(*, actor: User | None, request: ConsumptionRequest) -> bool:
    """Book the release; False (and nothing booked) when the parent's custody balance cannot cover it — the
    lesson stays confirmed and the shortfall shows as money collected outside custody."""
    try:
        with transaction.atomic():
            ledger.post_release(actor=actor, consumption=request)
    except ledger.LedgerError as exc:
        if exc.code != "ledger_insufficient":
            raise
        audit_record(
            actor=actor, action="funds.release_uncovered", obj=request, after={"amount_fen": request.amount_fen}
        )
        return False
    return True


def _locked_pending(request: ConsumptionRequest, *statuses: str) -> ConsumptionRequest:
    current = ConsumptionRequest.objects.select_for_update(of=("self",)).select_related("enrolment").get(pk=request.pk)
    if current.status not in statuses:
        raise_if_any([Violation("consumption_answered", _("该课次已处理，不能重复操作。"), BASIS_RELEASE, "status")])
    return current


@transaction.atomic
def consumption_confirm(*, actor: User, request: ConsumptionRequest) -> ConsumptionRequest:
    """The parent confirms the lesson: its price is released to the institution."""
    current = _locked_pending(request, ConsumptionStatus.PENDING)
    current.status = ConsumptionStatus.CONFIRMED
    current.answered_at = timezone.now()
    current.answered_by = actor
    current.save(update_fields=["status", "answered_at", "answered_by"])
    audit_record(actor=actor, action="funds.consumption_confirm", obj=current, after={"status": current.status})
    _release(actor=actor, request=current)
    return current


@transaction.atomic
def consumption_dispute(*, actor: User, request: ConsumptionRequest, reason: str) -> ConsumptionRequest:
    """The parent disputes the lesson; nothing is released and the county regulator decides."""
    reason = (reason or "").strip()
    if not reason:
        raise_if_any([Violation("dispute_reason", _("请填写异议理由。"), BASIS_RELEASE, "reason")])
    current = _locked_pending(request, ConsumptionStatus.PENDING)
    current.status = ConsumptionStatus.DISPUTED
    current.answered_at = timezone.now()
    current.answered_by = actor
    current.dispute_reason = reason[:2000]
    current.save(update_fields=["status", "answered_at", "answered_by", "dispute_reason"])
    audit_record(actor=actor, action="funds.consumption_dispute", obj=current, after={"reason": current.dispute_reason})
    return current


@transaction.atomic
def consumption_dispute_resolve(
    *, actor: User, request: ConsumptionRequest, upheld: bool, note: str
) -> ConsumptionRequest:
    """The regulator decides a dispute: upheld → the lesson is not consumed (nothing released); rejected → the
    lesson counts as confirmed and its price is released."""
    note = (note or "").strip()
    if not note:
        raise_if_any([Violation("decision_note", _("请填写处理意见。"), BASIS_RELEASE, "note")])
    current = _locked_pending(request, ConsumptionStatus.DISPUTED)
    current.status = ConsumptionStatus.UPHELD if upheld else ConsumptionStatus.CONFIRMED
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.decision_note = note[:2000]
    current.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="funds.dispute_resolve",
        obj=current,
        before={"status": ConsumptionStatus.DISPUTED},
        after={"status": current.status, "note": current.decision_note},
    )
    if not upheld:
        _release(actor=actor, request=current)
    return current


def consumption_auto_confirm_due(*, today: datetime.date | None = None) -> int:
    """Confirm every pending request whose working-day deadline has passed (``due_date`` < today); returns how many.

    One transaction per request, so a crash leaves the rest for the next run and nothing is confirmed twice.
    """
    today = today or timezone.localdate()
    done = 0
    for pk in ConsumptionRequest.objects.filter(status=ConsumptionStatus.PENDING, due_date__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            current = ConsumptionRequest.objects.select_for_update().get(pk=pk)
            if current.status != ConsumptionStatus.PENDING:
                continue
            current.status = ConsumptionStatus.AUTO_CONFIRMED
            current.answered_at = timezone.now()
            current.save(update_fields=["status", "answered_at"])
            audit_record(actor=None, action="funds.consumption_auto_confirm", obj=current, after={"today": str(today)})
            _release(actor=None, request=current)
            done += 1
    return done


def consumption_release_uncovered() -> int:
    """Release confirmed lessons that found no custody money when confirmed, now that the parent's balance covers
    them (a later payment); oldest first, one transaction each. Returns how many were released."""
    done = 0
    waiting = (
        ConsumptionRequest.objects.filter(status__in=CONFIRMED_CONSUMPTION, release_entry__isnull=True)
        .order_by("enrolment_id", "pk")
        .values_list("pk", "enrolment_id", "amount_fen")
    )
    balances: dict[int, int] = {}
    for pk, enrolment_id, amount in waiting:
        if enrolment_id not in balances:
            balances[enrolment_id] = (
                LedgerAccount.objects.filter(key=f"prepaid:e:{enrolment_id}")
                .values_list("balance_fen", flat=True)
                .first()
                or 0
            )
        if balances[enrolment_id] < amount:
            continue
        try:
            with transaction.atomic():
                ledger.post_release(actor=None, consumption=ConsumptionRequest.objects.get(pk=pk))
        except ledger.LedgerError:
            continue
        balances[enrolment_id] -= amount
        done += 1
    return done


# ---------------------------------------------------------------------------------------------------- bank batches


def _outstanding(kind: str, institution_ids: list[int]) -> dict[int, int]:
    """Money already instructed and not yet executed (or failed), per institution."""
    rows = (
        BankInstruction.objects.filter(
            kind=kind,
            institution_id__in=institution_ids,
            status__in=[InstructionStatus.DRAFT, InstructionStatus.SENT],
        )
        .values("institution_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {r["institution_id"]: r["total"] or 0 for r in rows}


def _new_reference(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.token_hex(5).upper()}"


@transaction.atomic
def release_batch_create(*, actor: User | None, bank: Bank) -> BankInstructionBatch | None:
    """One release instruction per institution at ``bank`` for its released money not yet instructed; None when
    there is nothing to pay out. The batch file (CSV) is what the bank operator downloads."""
    Bank.objects.select_for_update().get(pk=bank.pk)  # one batch builder per bank at a time
    custody = {
        c.institution_id: c
        for c in CustodyAccount.objects.filter(bank=bank, is_active=True).select_related("institution")
    }
    settled = dict(
        LedgerAccount.objects.filter(
            kind=AccountKind.INSTITUTION_SETTLED, institution_id__in=list(custody), balance_fen__gt=0
        ).values_list("institution_id", "balance_fen")
    )
    outstanding = _outstanding(InstructionKind.RELEASE, list(settled))
    batch = BankInstructionBatch(
        bank=bank, kind=InstructionKind.RELEASE, reference=_new_reference("RB"), created_by=actor
    )
    instructions = []
    for inst_id, balance in sorted(settled.items()):
        amount = balance - outstanding.get(inst_id, 0)
        if amount <= 0:
            continue
        account = custody[inst_id]
        if not account.settlement_account_no:
            # A bank cannot pay to no account: the money stays released and owed until the settlement account is
            # recorded on the custody account, then the next batch instructs it.
            continue
        instructions.append(
            BankInstruction(
                bank=bank,
                kind=InstructionKind.RELEASE,
                reference=_new_reference("RI"),
                institution_id=inst_id,
                amount_fen=amount,
                payee_name=account.settlement_account_name or account.institution.name,
                payee_account=account.settlement_account_no,
                payee_bank_name=account.settlement_bank_name,
                payer_account=account.account_no,
                division_code=account.division_code,
            )
        )
    if not instructions:
        return None
    return _save_batch(actor=actor, batch=batch, instructions=instructions)


def _save_batch(
    *, actor: User | None, batch: BankInstructionBatch, instructions: list[BankInstruction]
) -> BankInstructionBatch:
    batch.total_fen = sum(i.amount_fen for i in instructions)
    batch.item_count = len(instructions)
    codes = {i.division_code for i in instructions}
    batch.division_code = codes.pop() if len(codes) == 1 else ""
    batch.save()
    for i in instructions:
        i.batch = batch
        if i.pk is None:
            i.save()
        else:
            BankInstruction.objects.filter(pk=i.pk).update(batch=batch)
    batch.file.save(f"{batch.reference}.csv", ContentFile(instruction_file(batch, instructions)), save=True)
    audit_record(
        actor=actor,
        action=f"funds.{batch.kind}_batch",
        obj=batch,
        after={"reference": batch.reference, "count": batch.item_count, "total_fen": batch.total_fen},
    )
    return batch


@transaction.atomic
def instruction_batch_mark_sent(*, actor: User | None, batch: BankInstructionBatch) -> BankInstructionBatch:
    """The bank received the batch (downloaded or posted): instructions and any refunds become sent."""
    locked = BankInstructionBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != InstructionStatus.DRAFT:
        return locked
    now = timezone.now()
    BankInstructionBatch.objects.filter(pk=locked.pk).update(status=InstructionStatus.SENT, sent_at=now)
    locked.instructions.filter(status=InstructionStatus.DRAFT).update(status=InstructionStatus.SENT)
    RefundRequest.objects.filter(instruction__batch=locked).exclude(status=RefundStatus.PAID).update(
        status=RefundStatus.INSTRUCTED
    )
    locked.status = InstructionStatus.SENT
    locked.sent_at = now
    audit_record(actor=actor, action="funds.batch_sent", obj=locked, after={"reference": locked.reference})
    return locked


def instruction_batch_execute_simulated(
    *, actor: User | None, batch: BankInstructionBatch, fail_references: tuple[str, ...] = ()
) -> int:
    """Send the batch to the simulated bank's API and book its answers (each instruction once, crash-safe).

    Refused (``bank_not_simulated``) for a bank whose adapter is not simulated: a real bank executes by itself.
    """
    adapter = bank_adapter(batch.bank)
    if not adapter.simulated:
        raise ValidationError(_("该银行不是模拟银行：指令由银行自行执行并回报结果。"), code="bank_not_simulated")
    batch = instruction_batch_mark_sent(actor=actor, batch=batch)
    executions = adapter.execute(
        list(batch.instructions.filter(status=InstructionStatus.SENT)), fail_references=fail_references
    )
    return instruction_batch_record_results(
        actor=actor,
        batch=batch,
        results=[
            InstructionResult(e.reference, e.bank_reference, e.status == "executed", e.reason) for e in executions
        ],
    )
