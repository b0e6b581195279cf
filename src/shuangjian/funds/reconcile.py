"""Daily reconciliation with the custody bank's statement, and maker-checker manual adjustments.

Import (``statement_import``) is idempotent twice over: the same file (same SHA-256 for the bank) returns the
first import and writes nothing; a different file repeating lines already imported (same bank reference) skips
those lines (and a reference repeated within one file counts once). Parsing streams the file (csv reader /
openpyxl read-only) into a temporary table (COPY on PostgreSQL); matching, statement lines and cases are then a
handful of set-based statements (INSERT ... SELECT joining the staged lines with the ledger by bank reference), so
a million lines cost a few statements, not a query per chunk or a Python object per line.

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
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.money import parse_yuan
from shuangjian.core.permissions import can
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
    LedgerAccount,
    ManualAdjustment,
    MatchStatus,
    PaymentOrder,
    PaymentOrderStatus,
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


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _hash_within_limit(file: IO[bytes]) -> str:
    """SHA-256 of the file, read in chunks; ``StatementError`` as soon as it passes FUNDS_STATEMENT_MAX_BYTES."""
    limit = settings.FUNDS_STATEMENT_MAX_BYTES
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    while chunk := file.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise StatementError(
                _("对账单文件过大：上限 %(mb)s MB。") % {"mb": _megabytes(limit)}, code="statement_too_large"
            )
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _xlsx_rows(file: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    # A workbook is a zip: a few kilobytes can inflate to gigabytes. The sizes its directory declares are checked
    # before anything is inflated (openpyxl's read-only mode then streams the sheet row by row).
    limit = settings.FUNDS_STATEMENT_MAX_UNCOMPRESSED_BYTES
    try:
        with zipfile.ZipFile(file) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise StatementError(_("无法读取 Excel 文件。"), code="statement_unreadable") from exc
    if inflated > limit:
        raise StatementError(
            _("Excel 对账单解压后过大：上限 %(mb)s MB。") % {"mb": _megabytes(limit)}, code="statement_too_large"
        )
    file.seek(0)
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise StatementError(_("无法读取 Excel 文件。"), code="statement_unreadable") from exc
    try:
        ws = wb.active
        if ws is None:
            return
        for row in ws.iter_rows(values_only=True):
            yield ["" if v is None else (v.isoformat()[:10] if isinstance(v, datetime.date) else str(v)) for v in row]
    finally:
        wb.close()


def _csv_rows(file: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # e.g. "field larger than field limit (131072)": a bad file, not a server error.
                raise StatementError(
                    _("第 %(n)s 行：字段过长（每个字段最多 %(max)s 个字符）或 CSV 格式错误。")
                    % {"n": reader.line_num, "max": csv.field_size_limit()},
                    code="statement_line",
                ) from exc
            except UnicodeDecodeError as exc:
                raise StatementError(_("对账单必须是 UTF-8 编码的 CSV。"), code="statement_encoding") from exc
            yield row
    finally:
        # Leave the caller's file open (the wrapper would close it when collected), unless it is closed already.
        if not text.buffer.closed:
            text.detach()


def _rows(file: IO[bytes], fmt: str) -> Iterator[list[str]]:
    file.seek(0)
    if fmt == StatementFormat.XLSX:
        return _xlsx_rows(file)
    return _csv_rows(file)


def _detect_format(head: bytes, file_name: str) -> str:
    if head[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
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


# line_no, bank_reference, value_date, amount_fen, account_no, counterparty, memo: the staging table's columns.
LineRow = tuple[int, str, datetime.date, int, str, str, str]


def _line_rows(file: IO[bytes], fmt: str) -> Iterator[LineRow]:
    """Stream a statement's lines as plain tuples; ``StatementError`` naming the line for the first bad one, or
    once the file has more lines than FUNDS_STATEMENT_MAX_LINES."""
    max_lines = settings.FUNDS_STATEMENT_MAX_LINES
    rows = _rows(file, fmt)
    header = next(rows, None)
    if header is None or [h.strip().lower() for h in header[: len(COLUMNS)]] != list(COLUMNS):
        raise StatementError(_("对账单表头应为：%(cols)s") % {"cols": ",".join(COLUMNS)}, code="statement_header")
    padding = [""] * len(COLUMNS)
    # A statement carries a handful of distinct dates; parsing each once saves a call per line.
    dates: dict[str, datetime.date] = {}
    for number, raw in enumerate(rows, start=2):
        if number > max_lines + 1:
            raise StatementError(
                _("对账单行数过多：上限 %(n)s 行，请按日拆分。") % {"n": max_lines}, code="statement_too_many_lines"
            )
        row = [cell.strip() for cell in raw]
        if not any(row):
            continue
        if len(row) < len(COLUMNS):
            row += padding[len(row) :]
        ref = row[0]
        try:
            if not ref or len(ref) > 64:
                raise ValidationError(_("银行流水号为空或过长"))
            value_date = dates.get(row[1])
            if value_date is None:
                value_date = datetime.date.fromisoformat(row[1])
                if len(dates) < 1000:
                    dates[row[1]] = value_date
            amount = _amount_fen(row[2])
            if amount == 0:
                raise ValidationError(_("金额不能为零"))
        except (ValueError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else _("日期或金额格式错误")
            raise StatementError(
                _("第 %(n)s 行：%(msg)s。") % {"n": number, "msg": message}, code="statement_line"
            ) from exc
        yield (number, ref, value_date, amount, row[3][:40], row[4][:128], row[5][:255])


def iter_statement(content: bytes, fmt: str) -> Iterator[ParsedLine]:
    """Stream a statement's lines; ``StatementError`` naming the line for the first bad one."""
    for row in _line_rows(io.BytesIO(content), fmt):
        yield ParsedLine(*row)


# ---------------------------------------------------------------------------------------------------- import + match

# The file's lines go into a temporary table first (COPY on PostgreSQL), then matching, statement lines and cases
# are each one INSERT ... SELECT: the database joins a million references against the ledger in seconds, where
# a round trip per chunk and a Python object per line took minutes.
_STAGE = "funds_reconcile_stage"
_STAGE_COLUMNS = ("line_no", "bank_reference", "value_date", "amount_fen", "account_no", "counterparty", "memo")


def _stage_table() -> str:
    # Qualified, so dropping it can never reach a permanent table of the same name.
    return f"{'pg_temp' if connection.vendor == 'postgresql' else 'temp'}.{_STAGE}"


@dataclass
class _Staged:
    lines: int = 0
    duplicates: int = 0
    first_date: datetime.date | None = None


def _stage(rows: Iterator[LineRow]) -> _Staged:
    """Load the file's lines into the staging table, the first line of each bank reference only (a repeated
    reference within the file is skipped, as a reference already on an earlier statement is later)."""
    staged = _Staged()
    seen: set[str] = set()

    def first_of_each() -> Iterator[LineRow]:
        for row in rows:
            if staged.first_date is None:
                staged.first_date = row[2]
            if row[1] in seen:
                staged.duplicates += 1
                continue
            seen.add(row[1])
            staged.lines += 1
            yield row

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_stage_table()}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGE} (line_no integer NOT NULL, bank_reference varchar(64) NOT NULL, "
            "value_date date NOT NULL, amount_fen bigint NOT NULL, account_no varchar(40) NOT NULL, "
            "counterparty varchar(128) NOT NULL, memo varchar(255) NOT NULL)"
        )
        if connection.vendor == "postgresql":
            # Matching hashes every staged reference and aggregates the ledger per reference: ~450 MB for a
            # million lines. With the default 4 MB those hashes spill to disk in batches (2-3 s of ~9 at 1M).
            # SET LOCAL ends with the import's transaction.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {_STAGE} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy:
                for row in first_of_each():
                    copy.write_row(row)
            # Temporary tables get no automatic statistics; without them the planner guesses the join badly.
            cursor.execute(f"ANALYZE {_STAGE}")
        else:
            insert = _sql(_STAGE_INSERT)
            batch: list[LineRow] = []
            for row in first_of_each():
                batch.append(row)
                if len(batch) >= CHUNK:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
    return staged


def _sql(template: str, **extra: str) -> str:
    """Fill the table names into a statement; every value stays a bound parameter."""
    tables = {
        "stage": _STAGE,
        "line": StatementLine._meta.db_table,
        "statement": Statement._meta.db_table,
        "entry": JournalEntry._meta.db_table,
        "posting": Posting._meta.db_table,
        "account": LedgerAccount._meta.db_table,
        "custody": CustodyAccount._meta.db_table,
        "case": Discrepancy._meta.db_table,
    }
    return template.format(**tables, **extra)


# The statements below repeat two conditions on purpose, so each reads (and EXPLAINs) on its own:
# * "this bank's ledger entries": booked with the bank, or for an institution holding a custody account there;
# * "the ledger amount" of a reference: the custody cash those entries moved, i.e. what the bank should show.

# Statement lines: the staged lines that no earlier statement of this bank carries, each with its ledger
# counterpart (the custody-cash total of this bank's entries carrying its reference, and the first such entry).
_INSERT_LINES = """
INSERT INTO {line} (statement_id, line_no, bank_reference, value_date, amount_fen, account_no, counterparty, memo,
                    match_status, matched_entry_id)
SELECT %(statement)s, s.line_no, s.bank_reference, s.value_date, s.amount_fen, s.account_no, s.counterparty, s.memo,
       CASE WHEN c.total IS NULL THEN %(missing)s WHEN c.total = s.amount_fen THEN %(matched)s ELSE %(differs)s END,
       c.first_id
FROM {stage} s
LEFT JOIN (
    SELECT je.bank_reference AS ref, SUM(p.amount_fen) AS total, MIN(je.id) AS first_id
    FROM {entry} je
    JOIN {posting} p ON p.entry_id = je.id
    JOIN {account} a ON a.id = p.account_id AND a.kind = %(cash_kind)s
    WHERE je.bank_reference IN (SELECT bank_reference FROM {stage})
      AND (je.bank_id = %(bank)s
           OR je.institution_id IN (SELECT institution_id FROM {custody} WHERE bank_id = %(bank)s))
    GROUP BY je.bank_reference
) c ON c.ref = s.bank_reference
WHERE NOT EXISTS (
    SELECT 1 FROM {line} ol JOIN {statement} os ON os.id = ol.statement_id
    WHERE os.bank_id = %(bank)s AND ol.bank_reference = s.bank_reference
)
"""

# A movement the bank shows late settles an earlier "missing at bank" case.
_RESOLVE_LATE = """
UPDATE {case} SET status = %(resolved)s, note = %(note)s, resolved_at = %(now)s
WHERE bank_id = %(bank)s AND kind = %(missing_at_bank)s AND status = %(open)s
  AND bank_reference IN (
      SELECT bank_reference FROM {line} WHERE statement_id = %(statement)s AND match_status = %(matched)s
  )
"""

# One case per line that did not match. Unique per (bank, kind, reference): a case already there stays as it is.
_INSERT_LINE_CASES = """
INSERT INTO {case} (bank_id, kind, bank_reference, business_date, statement_id, statement_line_id, entry_id,
                    bank_amount_fen, ledger_amount_fen, institution_id, division_code, status, note, created_at)
SELECT %(bank)s, sl.match_status, sl.bank_reference, sl.value_date, %(statement)s, sl.id, sl.matched_entry_id,
       sl.amount_fen,
       CASE WHEN sl.match_status = %(differs)s THEN (
           SELECT SUM(lp.amount_fen)
           FROM {entry} le
           JOIN {posting} lp ON lp.entry_id = le.id
           JOIN {account} la ON la.id = lp.account_id AND la.kind = %(cash_kind)s
           WHERE le.bank_reference = sl.bank_reference
             AND (le.bank_id = %(bank)s
                  OR le.institution_id IN (SELECT institution_id FROM {custody} WHERE bank_id = %(bank)s))
       ) END,
       ca.institution_id, COALESCE(ca.division_code, ''), %(open)s, '', %(now)s
FROM {line} sl
LEFT JOIN {custody} ca ON ca.bank_id = %(bank)s AND ca.account_no = sl.account_no
WHERE sl.statement_id = %(statement)s AND sl.match_status <> %(matched)s
ORDER BY sl.id
ON CONFLICT DO NOTHING
"""

# Ledger movements of the statement day at this bank that no statement of the bank shows: missing at the bank.
_INSERT_MISSING_AT_BANK = """
INSERT INTO {case} (bank_id, kind, bank_reference, business_date, statement_id, statement_line_id, entry_id,
                    bank_amount_fen, ledger_amount_fen, institution_id, division_code, status, note, created_at)
SELECT %(bank)s, %(missing_at_bank)s, je.bank_reference, %(day)s, %(statement)s, NULL, je.id, NULL,
       (
           SELECT SUM(lp.amount_fen)
           FROM {entry} le
           JOIN {posting} lp ON lp.entry_id = le.id
           JOIN {account} la ON la.id = lp.account_id AND la.kind = %(cash_kind)s
           WHERE le.bank_reference = je.bank_reference
             AND (le.bank_id = %(bank)s
                  OR le.institution_id IN (SELECT institution_id FROM {custody} WHERE bank_id = %(bank)s))
       ),
       je.institution_id, je.division_code, %(open)s, '', %(now)s
FROM {entry} je
WHERE je.business_date = %(day)s AND je.kind IN ({cash_kinds}) AND je.bank_reference <> ''
  AND (je.bank_id = %(bank)s OR je.institution_id IN (SELECT institution_id FROM {custody} WHERE bank_id = %(bank)s))
  AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.bank_reference = je.bank_reference)
  AND NOT EXISTS (
      SELECT 1 FROM {line} ol JOIN {statement} os ON os.id = ol.statement_id
      WHERE os.bank_id = %(bank)s AND ol.bank_reference = je.bank_reference
  )
ORDER BY je.id
ON CONFLICT DO NOTHING
"""

_LINE_TOTALS = """
SELECT COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN amount_fen < 0 THEN -amount_fen ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN match_status = %(matched)s THEN 1 ELSE 0 END), 0)
FROM {line} WHERE statement_id = %(statement)s
"""

_STAGE_INSERT = """
INSERT INTO {stage} (line_no, bank_reference, value_date, amount_fen, account_no, counterparty, memo)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""


@transaction.atomic
def statement_import(
    *,
    actor: User | None,
    bank: Bank,
    content: bytes | IO[bytes],
    file_name: str = "",
    statement_date: datetime.date | None = None,
) -> ImportResult:
    """Import and reconcile one statement file of ``bank``. All or nothing; a repeat changes nothing.

    ``content``: the file's bytes, or a seekable binary file (an upload) that is streamed, never read whole. Limits
    (``StatementError`` past them, nothing written): FUNDS_STATEMENT_MAX_BYTES, FUNDS_STATEMENT_MAX_LINES and,
    for Excel, FUNDS_STATEMENT_MAX_UNCOMPRESSED_BYTES.
    """
    file: IO[bytes] = io.BytesIO(content) if isinstance(content, bytes) else content
    digest = _hash_within_limit(file)
    Bank.objects.select_for_update().get(pk=bank.pk)  # one import per bank at a time: duplicates decided in order
    existing = Statement.objects.filter(bank=bank, file_sha256=digest).first()
    if existing is not None:
        return ImportResult(statement=existing, created=False)
    fmt = _detect_format(file.read(2), file_name)
    statement = Statement.objects.create(
        bank=bank,
        statement_date=statement_date or timezone.localdate(),
        file_sha256=digest,
        file_name=file_name[:255],
        imported_by=actor if actor is not None and actor.pk else None,
    )
    staged = _stage(_line_rows(file, fmt))
    day = statement_date or staged.first_date or statement.statement_date
    ops = connection.ops
    params: dict[str, Any] = {
        "bank": bank.pk,
        "statement": statement.pk,
        "day": ops.adapt_datefield_value(day),
        "now": ops.adapt_datetimefield_value(timezone.now()),
        "cash_kind": str(AccountKind.CUSTODY_CASH),
        **{f"cash_kind_{i}": str(kind) for i, kind in enumerate(CASH_KINDS)},
        "matched": str(MatchStatus.MATCHED),
        "missing": str(MatchStatus.MISSING_IN_LEDGER),
        "differs": str(MatchStatus.AMOUNT_DIFFERS),
        "missing_at_bank": str(DiscrepancyKind.MISSING_AT_BANK),
        "open": str(DiscrepancyStatus.OPEN),
        "resolved": str(DiscrepancyStatus.RESOLVED),
        "note": _("银行后续对账单已到账"),
    }
    cash_kinds = ", ".join(f"%(cash_kind_{i})s" for i in range(len(CASH_KINDS)))
    with connection.cursor() as cursor:

        def run(template: str) -> int:
            cursor.execute(_sql(template, cash_kinds=cash_kinds), params)
            return cursor.rowcount

        count = run(_INSERT_LINES)
        run(_RESOLVE_LATE)
        cases = run(_INSERT_LINE_CASES)
        cases += run(_INSERT_MISSING_AT_BANK)
        run(_LINE_TOTALS)
        total_in, total_out, matched = cursor.fetchone()
        cursor.execute(f"DROP TABLE {_stage_table()}")
    skipped = staged.duplicates + staged.lines - count
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
            "discrepancies": cases,
        },
    )
    return ImportResult(statement, True, count, skipped, matched, cases)


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


class Resolution(models.TextChoices):
    """What to do about a difference, by name; the service builds the postings (no one types account keys).

    The ledger-changing ones are proposals: booked only when a second regulator approves (maker-checker). The
    others record what the bank did or will do and change nothing in the ledger.
    """

    BOOK_TO_ORDER = "book_to_order", _("补记为该缴费单的缴费")
    TO_SUSPENSE = "to_suspense", _("转入待查明款项（挂账）")
    CORRECT_AMOUNT = "correct_amount", _("按银行金额更正账簿")
    REVERSE_ENTRY = "reverse_entry", _("冲销账簿记录（款项未到银行）")
    RETURN_TO_PAYER = "return_to_payer", _("银行将款项退回付款人")
    IN_TRANSIT = "in_transit", _("在途款项，次日对账单列示")
    BANK_CORRECTS = "bank_corrects", _("银行更正对账单（账簿无误）")


# Which resolutions fit which kind of difference.
RESOLUTIONS_BY_KIND: dict[str, tuple[Resolution, ...]] = {
    DiscrepancyKind.MISSING_IN_LEDGER: (Resolution.BOOK_TO_ORDER, Resolution.TO_SUSPENSE, Resolution.RETURN_TO_PAYER),
    DiscrepancyKind.AMOUNT_DIFFERS: (Resolution.CORRECT_AMOUNT, Resolution.TO_SUSPENSE, Resolution.BANK_CORRECTS),
    DiscrepancyKind.MISSING_AT_BANK: (Resolution.IN_TRANSIT, Resolution.REVERSE_ENTRY),
}
LEDGER_RESOLUTIONS = frozenset(
    {Resolution.BOOK_TO_ORDER, Resolution.TO_SUSPENSE, Resolution.CORRECT_AMOUNT, Resolution.REVERSE_ENTRY}
)
# The bank's side of a case: what happened to the money at the bank. A bank operator may record these for its own
# bank's cases; changing the platform's ledger is the regulator's (the bank is a party to the money, not its judge).
BANK_RESOLUTIONS = frozenset({Resolution.RETURN_TO_PAYER, Resolution.IN_TRANSIT, Resolution.BANK_CORRECTS})


def resolutions_for(discrepancy: Discrepancy, actor: User) -> list[Resolution]:
    """The resolutions ``actor`` may choose for this case (empty unless it is open)."""
    if discrepancy.status != DiscrepancyStatus.OPEN:
        return []
    fitting = RESOLUTIONS_BY_KIND.get(discrepancy.kind, ())
    if discrepancy.kind == DiscrepancyKind.AMOUNT_DIFFERS and _difference(discrepancy) <= 0:
        fitting = tuple(r for r in fitting if r != Resolution.TO_SUSPENSE)  # nothing extra at the bank to park
    if Resolution.BOOK_TO_ORDER in fitting and not candidate_orders(discrepancy):
        fitting = tuple(r for r in fitting if r != Resolution.BOOK_TO_ORDER)  # no order it could be
    if can(actor, "funds.resolve_discrepancy"):
        return list(fitting)
    if can(actor, "funds.operate_bank"):
        return [r for r in fitting if r in BANK_RESOLUTIONS]
    return []


def _difference(discrepancy: Discrepancy) -> int:
    """What the bank holds beyond the ledger for this case (negative: the ledger shows more than the bank)."""
    if discrepancy.kind == DiscrepancyKind.MISSING_AT_BANK:
        return -(discrepancy.ledger_amount_fen or 0)
    return (discrepancy.bank_amount_fen or 0) - (discrepancy.ledger_amount_fen or 0)


def candidate_orders(discrepancy: Discrepancy) -> list[PaymentOrder]:
    """Pending payment orders at the case's bank for exactly the amount received (and its institution when known):
    the orders an unbooked payment may belong to."""
    if discrepancy.kind != DiscrepancyKind.MISSING_IN_LEDGER or not discrepancy.bank_amount_fen:
        return []
    qs = PaymentOrder.objects.filter(
        bank_id=discrepancy.bank_id, status=PaymentOrderStatus.PENDING, amount_fen=discrepancy.bank_amount_fen
    ).select_related("institution", "enrolment__student")
    if discrepancy.institution_id:
        qs = qs.filter(institution_id=discrepancy.institution_id)
    return list(qs.order_by("created_at")[:20])


def _refuse(code: str, message: str) -> None:
    raise_if_any([Violation(code, message, BASIS_RECONCILE, "resolution")])


def resolution_lines(
    discrepancy: Discrepancy, resolution: str, *, order: PaymentOrder | None = None
) -> list[tuple[str, int]]:
    """The balanced postings (account key, fen: + debit, − credit) a ledger resolution books."""
    diff = _difference(discrepancy)
    if resolution == Resolution.TO_SUSPENSE:
        if diff <= 0:
            _refuse("resolution_amount", _("银行没有多出的款项可以挂账。"))
        cash = ledger.account_bank_unallocated_cash(discrepancy.bank)
        return [(cash.key, diff), (ledger.account_suspense(discrepancy.bank).key, -diff)]
    if resolution == Resolution.BOOK_TO_ORDER:
        if order is None or order.pk not in {o.pk for o in candidate_orders(discrepancy)}:
            _refuse("resolution_order", _("请选择与到账金额一致、尚未缴费的缴费单。"))
        assert order is not None
        amount = order.amount_fen
        return [
            (ledger.account_custody_cash(order.institution).key, amount),
            (ledger.account_for_parent_enrolment(order.enrolment).key, -amount),
        ]
    entry = discrepancy.entry
    if entry is None or entry.enrolment_id is None or entry.institution_id is None:
        _refuse("resolution_entry", _("该差异没有可更正的缴费记录，请选择其他处理方式。"))
    assert entry is not None
    if resolution == Resolution.CORRECT_AMOUNT:
        if diff == 0:
            _refuse("resolution_amount", _("金额一致，无需更正。"))
        cash = LedgerAccount.objects.get(key=f"cash:i:{entry.institution_id}")
        prepaid = LedgerAccount.objects.get(key=f"prepaid:e:{entry.enrolment_id}")
        return [(cash.key, diff), (prepaid.key, -diff)]
    if resolution == Resolution.REVERSE_ENTRY:
        return [(p.account.key, -p.amount_fen) for p in entry.postings.select_related("account").order_by("pk")]
    _refuse("resolution_kind", _("该处理方式不记账。"))
    return []


@transaction.atomic
def discrepancy_resolve(
    *, actor: User, discrepancy: Discrepancy, resolution: str, note: str = "", order: PaymentOrder | None = None
) -> ManualAdjustment | Discrepancy:
    """Resolve a case by name. A ledger resolution becomes a proposed adjustment with the postings built here
    (a second regulator approves it); a bank resolution closes the case with what the bank did, no ledger change.
    Refused when the resolution does not fit the case or is not ``actor``'s to choose (a bank operator only records
    its bank's side)."""
    current = Discrepancy.objects.select_for_update(of=("self",)).select_related("bank", "entry").get(pk=discrepancy.pk)
    if current.status != DiscrepancyStatus.OPEN:
        _refuse("discrepancy_state", _("该差异已在处理中或已处理。"))
    if resolution not in resolutions_for(current, actor):
        _refuse("resolution_not_allowed", _("该差异不能由您以此方式处理。"))
    label = str(Resolution(resolution).label)
    note = (note or "").strip()
    reason = f"{label}：{note}" if note else label
    if resolution in LEDGER_RESOLUTIONS:
        lines = resolution_lines(current, resolution, order=order)
        adjustment = adjustment_propose(actor=actor, discrepancy=current, lines=lines, reason=reason)
        if resolution == Resolution.BOOK_TO_ORDER and order is not None:
            # Approval marks the order paid: the payment the bank received is this order's.
            adjustment.lines = [*adjustment.lines[:-1], {**adjustment.lines[-1], "order_no": order.order_no}]
            adjustment.save(update_fields=["lines"])
        return adjustment
    if resolution == Resolution.RETURN_TO_PAYER and not note:
        _refuse("resolution_note", _("请填写退回的付款人和退款流水号。"))
    current.status = DiscrepancyStatus.RESOLVED
    current.note = reason[:2000]
    current.resolved_by = actor
    current.resolved_at = timezone.now()
    current.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor, action="funds.discrepancy_resolve", obj=current, after={"resolution": resolution, "note": note}
    )
    return current


def _mark_orders_paid(adjustment: ManualAdjustment, entry: JournalEntry) -> None:
    """Orders named by a "book to this order" adjustment become paid once it is booked (if still pending)."""
    for line in adjustment.lines:
        order_no = line.get("order_no") if isinstance(line, dict) else None
        if order_no:
            PaymentOrder.objects.filter(order_no=order_no, status=PaymentOrderStatus.PENDING).update(
                status=PaymentOrderStatus.PAID, paid_at=timezone.now(), entry=entry
            )


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
    _mark_orders_paid(current, entry)
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
