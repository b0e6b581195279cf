"""Daily reconciliation with the custody bank's statement, and maker-checker manual adjustments.

Import (``statement_import``) is idempotent twice over: the same file (same SHA-256 for the bank) returns the
first import and writes nothing; a different file repeating lines already imported (same bank reference) skips
those lines. Parsing streams the file (csv reader / openpyxl read-only) and matching is set-based, chunk by chunk:
one query per chunk finds the ledger's custody-cash movement for every bank reference in it, so a million lines
cost a few hundred queries, not a million.

Each line ends matched, missing in the ledger or amount differs; ledger movements of the statement day at this
bank that the statement lacks are missing at the bank. Every difference is one ``Discrepancy`` (unique per bank,
kind and reference, so a re-run adds nothing). Correcting the ledger by hand takes two people: a maker proposes
balanced lines, a different checker approves them, and only then are they booked; both steps are audited.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.money import parse_yuan
from shuangjian.core.rules import Violation, raise_if_any

from . import ledger
from .models import (
    AccountKind,
    AdjustmentStatus,
    Bank,
    CustodyAccount,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyStatus,
    EntryKind,
    JournalEntry,
    ManualAdjustment,
    MatchStatus,
    Posting,
    Statement,
    StatementFormat,
    StatementLine,
)

BASIS_RECONCILE = _("资金托管协议：每日对账")
CHUNK = 5000
COLUMNS = ("bank_reference", "value_date", "amount", "account_no", "counterparty", "memo")
# Entries that move custody cash, so they appear on the bank's statement.
CASH_KINDS = (
    EntryKind.PAYMENT_IN,
    EntryKind.SUSPENSE_IN,
    EntryKind.PAYOUT,
    EntryKind.REFUND_PAID,
    EntryKind.SUSPENSE_RETURN,
)
_PLAIN_AMOUNT = re.compile(r"^(-?)(\d{1,12})(?:\.(\d{1,2}))?$")


class StatementError(ValidationError):
    """The file cannot be imported; the message lists the bad lines. Nothing was written."""


@dataclass(frozen=True)
class ImportResult:
    statement: Statement
    created: bool
    lines: int = 0
    skipped_duplicates: int = 0
    matched: int = 0
    discrepancies: int = 0


# ---------------------------------------------------------------------------------------------------- parsing


def _amount_fen(text: str) -> int:
    m = _PLAIN_AMOUNT.match(text)
    if m:
        fen = int(m.group(2)) * 100 + int((m.group(3) or "0").ljust(2, "0"))
        return -fen if m.group(1) else fen
    return parse_yuan(text, allow_negative=True)


def _rows(content: bytes, fmt: str) -> Iterator[list[str]]:
    if fmt == StatementFormat.XLSX:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise StatementError(_("无法读取 Excel 文件。"), code="statement_unreadable") from exc
        ws = wb.active
        if ws is None:
            return
        for row in ws.iter_rows(values_only=True):
            yield ["" if v is None else (v.isoformat()[:10] if isinstance(v, datetime.date) else str(v)) for v in row]
        wb.close()
        return
    try:
        text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
        yield from csv.reader(text)
    except UnicodeDecodeError as exc:
        raise StatementError(_("对账单必须是 UTF-8 编码的 CSV。"), code="statement_encoding") from exc


def _detect_format(content: bytes, file_name: str) -> str:
    if content[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
        return StatementFormat.XLSX
    return StatementFormat.CSV


@dataclass(frozen=True)
class ParsedLine:
    line_no: int
    bank_reference: str
    value_date: datetime.date
    amount_fen: int
    account_no: str
    counterparty: str
    memo: str


def iter_statement(content: bytes, fmt: str) -> Iterator[ParsedLine]:
    """Stream a statement's lines; ``StatementError`` naming the line for the first bad one."""
    rows = _rows(content, fmt)
    header = next(rows, None)
    if header is None or [h.strip().lower() for h in header[: len(COLUMNS)]] != list(COLUMNS):
        raise StatementError(_("对账单表头应为：%(cols)s") % {"cols": ",".join(COLUMNS)}, code="statement_header")
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = [c.strip() for c in row] + [""] * (len(COLUMNS) - len(row))
        ref = row[0]
        try:
            if not ref or len(ref) > 64:
                raise ValidationError(_("银行流水号为空或过长"))
            value_date = datetime.date.fromisoformat(row[1])
            amount = _amount_fen(row[2])
            if amount == 0:
                raise ValidationError(_("金额不能为零"))
        except (ValueError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else _("日期或金额格式错误")
            raise StatementError(
                _("第 %(n)s 行：%(msg)s。") % {"n": number, "msg": message}, code="statement_line"
            ) from exc
        yield ParsedLine(number, ref, value_date, amount, row[3][:40], row[4][:128], row[5][:255])


def _chunks(lines: Iterator[ParsedLine]) -> Iterator[list[ParsedLine]]:
    chunk: list[ParsedLine] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------------------------------- import + match


def _ledger_cash(refs: list[str], bank: Bank, institutions: set[int]) -> dict[str, tuple[int, int]]:
    """bank reference → (custody-cash movement in fen, first entry id) for this bank's ledger entries carrying it.

    Two index lookups (entries by reference, postings by entry) rather than one join with an OR on the bank,
    which PostgreSQL cannot answer from the reference index.
    """
    entries: dict[int, str] = {}
    for pk, ref, bank_id, inst_id in JournalEntry.objects.filter(bank_reference__in=refs).values_list(
        "pk", "bank_reference", "bank_id", "institution_id"
    ):
        if bank_id == bank.pk or inst_id in institutions:
            entries[pk] = ref
    if not entries:
        return {}
    found: dict[str, tuple[int, int]] = {}
    rows = (
        Posting.objects.filter(entry_id__in=list(entries), account__kind=AccountKind.CUSTODY_CASH)
        .values("entry_id")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        ref = entries[row["entry_id"]]
        total, first = found.get(ref, (0, row["entry_id"]))
        found[ref] = (total + (row["total"] or 0), min(first, row["entry_id"]))
    return found


_LINE_COLUMNS = (
    "statement_id",
    "line_no",
    "bank_reference",
    "value_date",
    "amount_fen",
    "account_no",
    "counterparty",
    "memo",
    "match_status",
    "matched_entry_id",
)


def _insert_lines(rows: list[tuple[Any, ...]]) -> None:
    """Write statement lines: COPY on PostgreSQL (an ORM insert builds a model per line, ~20x slower)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = StatementLine._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    StatementLine.objects.bulk_create(
        [StatementLine(**dict(zip(_LINE_COLUMNS, row, strict=True))) for row in rows], batch_size=CHUNK
    )


def _bank_institutions(bank: Bank) -> dict[str, tuple[int, str]]:
    return {c.account_no: (c.institution_id, c.division_code) for c in CustodyAccount.objects.filter(bank=bank)}


@transaction.atomic
def statement_import(
    *, actor: User | None, bank: Bank, content: bytes, file_name: str = "", statement_date: datetime.date | None = None
) -> ImportResult:
    """Import and reconcile one statement file of ``bank``. All or nothing; a repeat changes nothing."""
    digest = hashlib.sha256(content).hexdigest()
    Bank.objects.select_for_update().get(pk=bank.pk)  # one import per bank at a time: duplicates decided in order
    existing = Statement.objects.filter(bank=bank, file_sha256=digest).first()
    if existing is not None:
        return ImportResult(statement=existing, created=False)
    fmt = _detect_format(content, file_name)
    statement = Statement.objects.create(
        bank=bank,
        statement_date=statement_date or timezone.localdate(),
        file_sha256=digest,
        file_name=file_name[:255],
        imported_by=actor if actor is not None and actor.pk else None,
    )
    accounts = _bank_institutions(bank)
    institutions = {inst for inst, _div in accounts.values()}
    seen: set[str] = set()
    count = skipped = matched = 0
    total_in = total_out = 0
    first_date: datetime.date | None = None
    new_cases: list[Discrepancy] = []
    ledger_amounts: dict[str, int] = {}
    for chunk in _chunks(iter_statement(content, fmt)):
        if first_date is None:
            first_date = chunk[0].value_date
        refs = [line.bank_reference for line in chunk]
        earlier = set(
            StatementLine.objects.filter(statement__bank=bank, bank_reference__in=refs).values_list(
                "bank_reference", flat=True
            )
        )
        cash = _ledger_cash(refs, bank, institutions)
        rows: list[tuple[Any, ...]] = []
        matched_refs: list[str] = []
        for line in chunk:
            if line.bank_reference in seen or line.bank_reference in earlier:
                skipped += 1
                continue
            seen.add(line.bank_reference)
            found = cash.get(line.bank_reference)
            if found is None:
                status = MatchStatus.MISSING_IN_LEDGER
            elif found[0] == line.amount_fen:
                status = MatchStatus.MATCHED
                matched_refs.append(line.bank_reference)
            else:
                status = MatchStatus.AMOUNT_DIFFERS
                ledger_amounts[line.bank_reference] = found[0]
            if line.amount_fen > 0:
                total_in += line.amount_fen
            else:
                total_out -= line.amount_fen
            rows.append(
                (
                    statement.pk,
                    line.line_no,
                    line.bank_reference,
                    line.value_date,
                    line.amount_fen,
                    line.account_no,
                    line.counterparty,
                    line.memo,
                    str(status),
                    found[1] if found else None,
                )
            )
        _insert_lines(rows)
        count += len(rows)
        matched += len(matched_refs)
        # A movement the bank shows late settles an earlier "missing at bank" case.
        Discrepancy.objects.filter(
            bank=bank,
            kind=DiscrepancyKind.MISSING_AT_BANK,
            status=DiscrepancyStatus.OPEN,
            bank_reference__in=matched_refs,
        ).update(status=DiscrepancyStatus.RESOLVED, note=_("银行后续对账单已到账"), resolved_at=timezone.now())
    # Cases for every line that did not match, read back set-based (their ids are needed for the case link).
    for row in (
        StatementLine.objects.filter(statement=statement)
        .exclude(match_status=MatchStatus.MATCHED)
        .values("pk", "bank_reference", "value_date", "amount_fen", "account_no", "match_status", "matched_entry_id")
        .iterator(chunk_size=CHUNK)
    ):
        inst_id, division = accounts.get(row["account_no"], (None, ""))
        new_cases.append(
            Discrepancy(
                bank=bank,
                kind=DiscrepancyKind(row["match_status"]),
                bank_reference=row["bank_reference"],
                business_date=row["value_date"],
                statement=statement,
                statement_line_id=row["pk"],
                entry_id=row["matched_entry_id"],
                bank_amount_fen=row["amount_fen"],
                ledger_amount_fen=ledger_amounts.get(row["bank_reference"]),
                institution_id=inst_id,
                division_code=division,
            )
        )
    day = statement_date or first_date or statement.statement_date
    new_cases += _missing_at_bank(bank=bank, statement=statement, day=day, seen=seen)
    Discrepancy.objects.bulk_create(new_cases, batch_size=CHUNK, ignore_conflicts=True)
    Statement.objects.filter(pk=statement.pk).update(
        statement_date=day,
        line_count=count,
        total_in_fen=total_in,
        total_out_fen=total_out,
        reconciled_at=timezone.now(),
    )
    statement.refresh_from_db()
    audit_record(
        actor=actor,
        action="funds.statement_import",
        obj=statement,
        after={
            "sha256": digest,
            "lines": count,
            "skipped_duplicates": skipped,
            "matched": matched,
            "discrepancies": len(new_cases),
        },
    )
    return ImportResult(statement, True, count, skipped, matched, len(new_cases))


def _missing_at_bank(*, bank: Bank, statement: Statement, day: datetime.date, seen: set[str]) -> list[Discrepancy]:
    institutions = list(CustodyAccount.objects.filter(bank=bank).values_list("institution_id", flat=True))
    entries = (
        JournalEntry.objects.filter(business_date=day, kind__in=CASH_KINDS)
        .exclude(bank_reference="")
        .filter(Q(bank=bank) | Q(institution_id__in=institutions))
        .values_list("pk", "bank_reference", "institution_id", "division_code")
    )
    candidates = {ref: (pk, inst, div) for pk, ref, inst, div in entries if ref not in seen}
    if not candidates:
        return []
    on_statements: set[str] = set()
    refs = list(candidates)
    for start in range(0, len(refs), CHUNK):
        on_statements.update(
            StatementLine.objects.filter(
                statement__bank=bank, bank_reference__in=refs[start : start + CHUNK]
            ).values_list("bank_reference", flat=True)
        )
    cash = {}
    for start in range(0, len(refs), CHUNK):
        cash.update(_ledger_cash(refs[start : start + CHUNK], bank, set(institutions)))
    return [
        Discrepancy(
            bank=bank,
            kind=DiscrepancyKind.MISSING_AT_BANK,
            bank_reference=ref,
            business_date=day,
            statement=statement,
            entry_id=pk,
            ledger_amount_fen=cash.get(ref, (None, None))[0],
            institution_id=inst,
            division_code=div,
        )
        for ref, (pk, inst, div) in candidates.items()
        if ref not in on_statements
    ]


# ---------------------------------------------------------------------------------------------------- adjustments


def suggested_lines(discrepancy: Discrepancy) -> list[tuple[str, int]]:
    """A starting point for the maker: money the bank holds that the ledger lacks goes to the bank's suspense."""
    diff = (discrepancy.bank_amount_fen or 0) - (discrepancy.ledger_amount_fen or 0)
    if discrepancy.kind == DiscrepancyKind.MISSING_AT_BANK:
        diff = -(discrepancy.ledger_amount_fen or 0)
    if diff == 0:
        return []
    cash = ledger.account_bank_unallocated_cash(discrepancy.bank)
    suspense = ledger.account_suspense(discrepancy.bank)
    return [(cash.key, diff), (suspense.key, -diff)]


@transaction.atomic
def adjustment_propose(
    *, actor: User, discrepancy: Discrepancy, lines: list[tuple[str, int]], reason: str
) -> ManualAdjustment:
    """The maker proposes balanced lines (account key, fen: + debit, − credit); nothing is booked yet."""
    reason = (reason or "").strip()
    found: list[Violation] = []
    if not reason:
        found.append(Violation("adjustment_reason", _("请填写调整理由。"), BASIS_RECONCILE, "reason"))
    current = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    if current.status != DiscrepancyStatus.OPEN:
        found.append(Violation("discrepancy_state", _("该差异已在处理中或已处理。"), BASIS_RECONCILE, "discrepancy"))
    raise_if_any(found)
    ledger.validate_lines([(ledger.account_by_key(key), amount) for key, amount in lines])
    adjustment = ManualAdjustment.objects.create(
        discrepancy=current,
        bank=current.bank,
        lines=[{"account_key": key, "amount_fen": amount} for key, amount in lines],
        bank_reference=current.bank_reference,
        reason=reason[:2000],
        maker=actor,
        division_code=current.division_code,
    )
    Discrepancy.objects.filter(pk=current.pk).update(status=DiscrepancyStatus.ADJUSTING)
    audit_record(actor=actor, action="funds.adjustment_propose", obj=adjustment, after={"lines": adjustment.lines})
    return adjustment


def _checked(adjustment: ManualAdjustment, actor: User) -> ManualAdjustment:
    current = ManualAdjustment.objects.select_for_update(of=("self",)).select_related("bank").get(pk=adjustment.pk)
    found: list[Violation] = []
    if current.status != AdjustmentStatus.PROPOSED:
        found.append(Violation("adjustment_state", _("该调整已复核。"), BASIS_RECONCILE, "status"))
    if current.maker_id == actor.pk:
        found.append(
            Violation("maker_checker", _("调整须由另一人复核，发起人不能复核自己的调整。"), BASIS_RECONCILE, "checker")
        )
    raise_if_any(found)
    return current


@transaction.atomic
def adjustment_approve(*, actor: User, adjustment: ManualAdjustment, note: str = "") -> ManualAdjustment:
    """A different person approves: the lines are booked as one adjustment entry and the case is resolved."""
    current = _checked(adjustment, actor)
    entry = ledger.journal_post(
        actor=actor,
        kind=EntryKind.ADJUSTMENT,
        lines=[(ledger.account_by_key(line["account_key"]), int(line["amount_fen"])) for line in current.lines],
        reference=f"adjustment:{current.pk}",
        memo=current.reason[:255],
        bank=current.bank,
        bank_reference=current.bank_reference,
        idempotency_key=f"adjustment:{current.pk}",
    )
    now = timezone.now()
    current.status = AdjustmentStatus.APPROVED
    current.checker = actor
    current.checked_at = now
    current.check_note = (note or "").strip()[:2000]
    current.entry = entry
    current.save(update_fields=["status", "checker", "checked_at", "check_note", "entry"])
    if current.discrepancy_id:
        Discrepancy.objects.filter(pk=current.discrepancy_id).update(
            status=DiscrepancyStatus.RESOLVED, resolved_by=actor, resolved_at=now, note=current.reason[:2000]
        )
    audit_record(
        actor=actor,
        action="funds.adjustment_approve",
        obj=current,
        after={"maker": current.maker_id, "entry": entry.pk, "lines": current.lines},
    )
    return current


@transaction.atomic
def adjustment_reject(*, actor: User, adjustment: ManualAdjustment, note: str) -> ManualAdjustment:
    current = _checked(adjustment, actor)
    current.status = AdjustmentStatus.REJECTED
    current.checker = actor
    current.checked_at = timezone.now()
    current.check_note = (note or "").strip()[:2000]
    current.save(update_fields=["status", "checker", "checked_at", "check_note"])
    if current.discrepancy_id:
        Discrepancy.objects.filter(pk=current.discrepancy_id).update(status=DiscrepancyStatus.OPEN)
    audit_record(actor=actor, action="funds.adjustment_reject", obj=current, after={"note": current.check_note})
    return current


@transaction.atomic
def discrepancy_close(*, actor: User, discrepancy: Discrepancy, note: str) -> Discrepancy:
    """Close a case that needs no ledger change (e.g. a timing difference), with the reason."""
    note = (note or "").strip()
    if not note:
        raise_if_any([Violation("close_note", _("请说明无需调整的原因。"), BASIS_RECONCILE, "note")])
    current = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    if current.status != DiscrepancyStatus.OPEN:
        raise_if_any([Violation("discrepancy_state", _("该差异已在处理中或已处理。"), BASIS_RECONCILE, "status")])
    current.status = DiscrepancyStatus.RESOLVED
    current.note = note[:2000]
    current.resolved_by = actor
    current.resolved_at = timezone.now()
    current.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    audit_record(actor=actor, action="funds.discrepancy_close", obj=current, after={"note": current.note})
    return current


# ---------------------------------------------------------------------------------------------------- bench


def bench_reconcile(lines: int = 1_000_000) -> list[tuple[str, float, str]]:
    """Import a generated statement of ``lines`` lines against a ledger that books all but one of them (plus one
    the bank lacks and one amount the bank shows differently): a realistic day, for bench/. Setup is not timed."""
    from .tests.factories import BankFactory

    bank = BankFactory.create(code=f"benchrec{int(time.time())}")
    cash = ledger.account_bank_unallocated_cash(bank)
    suspense = ledger.account_suspense(bank)
    day = timezone.localdate()

    def amount(i: int) -> int:
        return 100 + i % 50

    setup = time.perf_counter()
    for start in range(0, lines + 1, 20_000):
        ledger.journal_post_batch(
            actor=None,
            entries=[
                ledger.EntrySpec(
                    kind=EntryKind.SUSPENSE_IN,
                    lines=[(cash, amount(i)), (suspense, -amount(i))],
                    bank=bank,
                    bank_reference=f"{bank.code}R{i:09d}",
                    business_date=day,
                )
                # Entry ``lines`` is on the ledger only (missing at bank); line 0 is on the statement only.
                for i in range(max(start, 1), min(start + 20_000, lines + 1))
            ],
        )
    setup = time.perf_counter() - setup
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in range(lines):
        fen = amount(i) + (1 if i == 7 else 0)
        writer.writerow([f"{bank.code}R{i:09d}", day.isoformat(), f"{fen // 100}.{fen % 100:02d}", "", "", ""])
    content = text.getvalue().encode()
    started = time.perf_counter()
    result = statement_import(actor=None, bank=bank, content=content, file_name="bench.csv", statement_date=day)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = statement_import(actor=None, bank=bank, content=content, file_name="bench.csv", statement_date=day)
    repeat = time.perf_counter() - started
    assert result.matched == lines - 2 and result.discrepancies == 3 and not again.created, result
    return [
        (f"reconcile {lines} statement lines, all but 3 matched (import + match + cases)", round(elapsed, 1), "s"),
        ("reconcile lines per second", round(lines / elapsed), "lines/s"),
        ("reconcile re-import of the same file (no-op)", round(repeat * 1000, 1), "ms"),
        (f"(setup, not part of the figure: {lines} ledger entries by journal_post_batch)", round(setup, 1), "s"),
    ]
