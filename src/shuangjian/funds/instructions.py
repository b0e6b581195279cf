"""The bank's answers to our instructions: booking executed payouts and refunds, once each.

Batches themselves are built by the release and refund services; this module records what the bank did. Each
instruction is booked in its own transaction and skipped when already final, so a run killed half-way (even
``kill -9``) leaves a consistent ledger, and running it again finishes the rest without booking anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shuangjian.core.audit import audit_record
from shuangjian.core.models import User

from . import ledger
from .models import (
    BankInstruction,
    BankInstructionBatch,
    InstructionKind,
    InstructionStatus,
    RefundRequest,
    RefundStatus,
)


@dataclass(frozen=True)
class InstructionResult:
    reference: str
    bank_reference: str
    executed: bool
    reason: str = ""


@transaction.atomic
def instruction_result_record(*, actor: User | None, result: InstructionResult) -> BankInstruction | None:
    """Book one instruction's result. Executed: release → payout entry, refund → refund-paid entry and the refund
    request(s) become paid. Failed: marked failed, money stays where it was owed. Already final: nothing happens.
    Unknown reference: ``None``.
    """
    instruction = BankInstruction.objects.select_for_update().filter(reference=result.reference).first()
    if instruction is None:
        return None
    if instruction.status in (InstructionStatus.EXECUTED, InstructionStatus.FAILED):
        return instruction
    now = timezone.now()
    if not result.executed:
        instruction.status = InstructionStatus.FAILED
        instruction.failure_reason = result.reason[:255]
        instruction.save(update_fields=["status", "failure_reason"])
        audit_record(actor=actor, action="funds.instruction_failed", obj=instruction, after={"reason": result.reason})
        return instruction
    if instruction.kind == InstructionKind.RELEASE:
        entry = ledger.post_payout(
            actor=actor,
            institution=instruction.institution,
            amount_fen=instruction.amount_fen,
            bank_reference=result.bank_reference,
            reference=instruction.reference,
        )
    elif instruction.kind == InstructionKind.REFUND:
        entry = ledger.post_refund_paid(
            actor=actor,
            institution=instruction.institution,
            amount_fen=instruction.amount_fen,
            enrolment=instruction.enrolment,
            bank_reference=result.bank_reference,
            reference=instruction.reference,
        )
        RefundRequest.objects.filter(instruction=instruction).exclude(status=RefundStatus.PAID).update(
            status=RefundStatus.PAID, paid_entry=entry
        )
    else:
        entry = ledger.journal_post(
            actor=actor,
            kind="suspense_return",
            lines=[
                (ledger.account_suspense(instruction.bank), instruction.amount_fen),
                (ledger.account_bank_unallocated_cash(instruction.bank), -instruction.amount_fen),
            ],
            reference=instruction.reference,
            bank=instruction.bank,
            bank_reference=result.bank_reference,
            idempotency_key=f"suspense_return:{instruction.reference}",
        )
    instruction.status = InstructionStatus.EXECUTED
    instruction.bank_reference = result.bank_reference[:64]
    instruction.executed_at = now
    instruction.settlement_entry = entry
    instruction.save(update_fields=["status", "bank_reference", "executed_at", "settlement_entry"])
    audit_record(
        actor=actor,
        action="funds.instruction_executed",
        obj=instruction,
        after={"bank_reference": result.bank_reference, "entry": entry.pk},
    )
    return instruction


def instruction_batch_record_results(
    *, actor: User | None, batch: BankInstructionBatch, results: Iterable[InstructionResult]
) -> int:
    """Record a batch's results one instruction per transaction; returns how many were newly final.

    Safe to re-run after a crash: instructions already final are skipped. The batch becomes executed when no
    instruction is left pending.
    """
    done = 0
    for result in results:
        before = BankInstruction.objects.filter(reference=result.reference, batch=batch).values_list(
            "status", flat=True
        )
        if not before or before[0] in (InstructionStatus.EXECUTED, InstructionStatus.FAILED):
            continue
        instruction_result_record(actor=actor, result=result)
        done += 1
    with transaction.atomic():
        pending = batch.instructions.exclude(status__in=[InstructionStatus.EXECUTED, InstructionStatus.FAILED])
        if not pending.exists():
            BankInstructionBatch.objects.filter(pk=batch.pk).update(status=InstructionStatus.EXECUTED)
    return done
