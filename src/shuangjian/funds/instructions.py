"""Instructions to the custody bank: the batch file it executes, and its answers (payouts and refunds booked once).

Batches themselves are built by the release and refund services; this module writes their file (Chinese headers
as in banks' bulk-payment templates, every column a bank needs filled) and records what the bank did. Each
instruction is booked in its own transaction and skipped when already final, so a run killed half-way (even
``kill -9``) leaves a consistent ledger, and running it again finishes the rest without booking anything twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from . import ledger
from .models import (
    BankInstruction,
    BankInstructionBatch,
    BankNotification,
    CustodyAccount,
    InstructionKind,
    InstructionStatus,
    NotificationOutcome,
    RefundRequest,
    RefundStatus,
)

# The instruction batch file, as banks' bulk-payment (批量转账/代发) templates lay it out: one payment per row,
# amounts in yuan with two decimals. 指令号 is the platform's reference, which the bank's results quote back.
INSTRUCTION_FILE_COLUMNS = (
    "序号",
    "指令号",
    "付款账号",
    "付款户名",
    "收款人账号",
    "收款人户名",
    "收款行名称",
    "金额(元)",
    "用途",
    "备注",
)
# Every column a bank needs to execute a row (备注 is the only optional one).
INSTRUCTION_FILE_REQUIRED = INSTRUCTION_FILE_COLUMNS[:-1]


@dataclass(frozen=True)
class Payee:
    name: str
    account: str
    bank_name: str


def refund_payee(*, enrolment: Enrolment, fallback_name: str) -> Payee:
    """Who a custody refund goes back to: the account the enrolment's money came from (原路退回), as the bank named
    it in its latest booked payment notification; the parent's name and "原路退回" when no notification says."""
    notification = (
        BankNotification.objects.filter(order__enrolment=enrolment, outcome=NotificationOutcome.BOOKED)
        .order_by("-received_at", "-pk")
        .first()
    )
    payload = notification.payload if notification is not None and isinstance(notification.payload, dict) else {}
    account = str(payload.get("payer_account") or "")[:64]
    return Payee(
        name=(str(payload.get("payer_name") or "") if account else "")[:128] or fallback_name[:128],
        account=account or _("原路退回"),
        bank_name=str(payload.get("payer_bank_name") or "")[:128] or (notification.bank.name if notification else ""),
    )


def instruction_file(batch: BankInstructionBatch, instructions: list[BankInstruction]) -> bytes:
    """The batch as the CSV file the bank executes (UTF-8 with a byte-order mark, so Excel opens it as text)."""
    purpose = {InstructionKind.RELEASE: _("预收费释放划付"), InstructionKind.REFUND: _("预收费退费")}
    inst_ids = {i.institution_id for i in instructions}
    institution_names = dict(Institution.objects.filter(pk__in=inst_ids).values_list("pk", "name"))
    payer_names = {
        (inst_id, account_no): name
        for inst_id, account_no, name in CustodyAccount.objects.filter(institution_id__in=inst_ids).values_list(
            "institution_id", "account_no", "account_name"
        )
    }
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(INSTRUCTION_FILE_COLUMNS)
    for number, i in enumerate(instructions, start=1):
        writer.writerow(
            [
                number,
                i.reference,
                i.payer_account,
                payer_names.get((i.institution_id, i.payer_account)) or institution_names.get(i.institution_id, ""),
                i.payee_account,
                i.payee_name,
                i.payee_bank_name,
                f"{i.amount_fen // 100}.{i.amount_fen % 100:02d}",
                purpose.get(InstructionKind(i.kind), i.kind),
                batch.reference,
            ]
        )
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def read_instruction_file(content: bytes) -> list[dict[str, str]]:
    """Parse an instruction batch file (its header row names the columns)."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


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
