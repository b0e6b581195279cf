"""Many entries in one transaction: ``journal_post_batch`` (COPY on PostgreSQL) and ``batch_digest``."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_chain_lock, audit_record
from shuangjian.core.models import User
from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from ..models import ASSET_KINDS, Bank, EntryKind, JournalEntry, LedgerAccount, Posting
from .accounts import MAX_POSTING_FEN, LedgerError, Line
from .post import validate_lines


@dataclass(frozen=True)
class EntrySpec:
    """One entry for ``journal_post_batch``; fields as in ``journal_post``."""

    kind: EntryKind | str
    lines: Sequence[Line]
    reference: str = ""
    memo: str = ""
    bank: Bank | None = None
    bank_reference: str = ""
    institution: Institution | None = None
    enrolment: Enrolment | None = None
    business_date: datetime.date | None = None


@transaction.atomic
def journal_post_batch(*, actor: User | None, entries: Sequence[EntrySpec]) -> list[int]:
    """Book many entries in one transaction, all or nothing, with the guarantees of ``journal_post``.

    Returns the new entries' ids, in order. Every entry is validated (zero sum, integer fen, ≥ 2 lines);
    balances are checked as if entry by entry in order, so no account dips below zero even in the middle of the
    batch; accounts are locked once, in id order (the order ``journal_post`` uses). On PostgreSQL one
    ``UPDATE … FROM unnest`` locks the accounts and moves their balances, then entries and postings go in by COPY;
    the append-only triggers and the deferred set-based zero-sum check still apply.

    The batch is one audit event ``ledger.batch``: the entry ids, counts and totals, and the SHA-256 of the rows as
    written (``batch_digest`` recomputes it from the database, so the event proves what the batch booked). One
    event per batch rather than per entry is what makes bulk work — imports, bank batches — fast: the audit chain
    is written once per batch. Releases are refused here: each goes through ``journal_post`` with its consumption.
    """
    if not entries:
        return []
    pairs: list[list[tuple[int, int]]] = []
    kinds: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    debits: dict[str, int] = defaultdict(int)
    # Per account, the sum of its positive and of its negative amounts in the batch: enough to prove that no
    # account can dip below zero part-way through (see below) without replaying the batch line by line.
    credits_in: dict[int, int] = defaultdict(int)
    debits_in: dict[int, int] = defaultdict(int)
    kind_values = _KIND_VALUES
    for spec in entries:
        kind = kind_values.get(spec.kind) or EntryKind(spec.kind).value  # the lookup spares an Enum call per entry
        if kind == EntryKind.RELEASE:
            raise LedgerError(_("释放资金必须逐笔记账。"), code="ledger_release_in_batch")
        kinds.append(kind)
        # ``.id`` rather than ``.pk``: a plain attribute, read thousands of times here.
        lines = []
        total = debit = 0
        for account, amount in spec.lines:
            # The common case inline; anything unusual goes to validate_lines for its precise refusal.
            if type(amount) is not int or not 0 < abs(amount) <= MAX_POSTING_FEN or account is None or not account.id:
                validate_lines(spec.lines)
            pk = account.id
            lines.append((pk, amount))
            total += amount
            if amount > 0:
                debit += amount
                debits_in[pk] += amount
            else:
                credits_in[pk] += amount
        if total != 0 or len(lines) < 2:
            validate_lines(spec.lines)
        pairs.append(lines)
        counts[kind] += 1
        debits[kind] += debit
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    # The head of the audit chain the batch's event joins first, then the accounts: the order journal_post and
    # services that audit before they post keep, so none of them can deadlock against a batch.
    audit_chain_lock(obj=None, division_code="")
    net = {pk: debits_in.get(pk, 0) + credits_in.get(pk, 0) for pk in sorted(debits_in.keys() | credits_in.keys())}
    # Plain tuples, not model instances: a bank batch can touch thousands of parent accounts.
    sign: dict[int, int] = {}
    initial: dict[int, int] = {}
    # PostgreSQL: one statement locks the accounts in id order (as ``journal_post`` does, so the two cannot
    # deadlock) and moves their balances, returning what the check below needs; a refusal rolls it back.
    # Elsewhere: lock, check, then update.
    for pk, kind, balance in _move_balances(net, now) if postgres else _lock_accounts(list(net)):
        sign[pk] = 1 if kind in ASSET_KINDS else -1
        initial[pk] = balance
    if len(initial) != len(net):
        raise LedgerError(_("分录缺少记账科目。"), code="ledger_unknown_account")
    running = {pk: balance + sign[pk] * net[pk] for pk, balance in initial.items()}
    # An account whose balance stays ≥ 0 even if every line that lowers it came first cannot dip below zero at
    # any point of the batch; only the others (rare: a batch that spends money it books in the same batch) are
    # replayed entry by entry, in order.
    if any(
        balance + (credits_in.get(pk, 0) if sign[pk] > 0 else -debits_in.get(pk, 0)) < 0
        for pk, balance in initial.items()
    ):
        _check_running_balances(entries, pairs, initial, sign)
    today = timezone.localdate()
    rows = (
        (
            kind,
            spec.reference[:80],
            spec.memo[:255],
            spec.bank.pk if spec.bank else None,
            spec.bank_reference[:64],
            spec.institution.pk if spec.institution else None,
            spec.enrolment.pk if spec.enrolment else None,
            spec.business_date or today,
            (
                spec.institution.division_code
                if spec.institution
                else (spec.enrolment.division_code if spec.enrolment else "")
            ),
        )
        for kind, spec in zip(kinds, entries, strict=True)
    )
    created_by_id = actor.pk if actor is not None and actor.pk else None
    posting_count = sum(map(len, pairs))
    if postgres:
        ids = _reserve_entry_ids(len(entries))
        digest = _copy_entries(ids, rows, pairs, stamp=_stamp(now), by=created_by_id)
    else:
        row_list = list(rows)
        ids, stamps = _insert_entries(row_list, pairs, created_by_id=created_by_id)
        entry_text, posting_text = _copy_text(ids, row_list, pairs, stamps=stamps, by=created_by_id)
        digest = _digest(entry_text.encode(), posting_text.encode())
        changed = [(pk, balance) for pk, balance in running.items() if balance != initial[pk]]
        for start in range(0, len(changed), 2000):
            part = changed[start : start + 2000]
            LedgerAccount.objects.filter(pk__in=[pk for pk, _b in part]).update(
                balance_fen=Case(*(When(pk=pk, then=Value(b)) for pk, b in part), output_field=BigIntegerField()),
                updated_at=now,
            )
    # Callers hold their own instances of these accounts; keep them current so a next post reads true balances.
    for spec in entries:
        for account, _amount in spec.lines:
            account.balance_fen = running[account.id]
    audit_record(
        actor=actor,
        action="ledger.batch",
        object_type="funds.journalentry",
        object_id=f"{ids[0]}-{ids[-1]}",
        division_code="",
        after={
            "count": len(ids),
            "postings": posting_count,
            "entry_ids": _id_ranges(ids),
            "by_kind": {kind: {"entries": counts[kind], "debits_fen": debits[kind]} for kind in sorted(counts)},
            "sha256": digest,
        },
    )
    return ids


def _lock_accounts(account_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """Lock the accounts in id order and read (id, kind, balance): the batch's path where there is no
    ``_move_balances`` (SQLite)."""
    found: list[tuple[int, str, int]] = []
    for start in range(0, len(account_ids), 5000):
        found.extend(
            LedgerAccount.objects.select_for_update()
            .filter(pk__in=account_ids[start : start + 5000])
            .order_by("pk")
            .values_list("pk", "kind", "balance_fen")
        )
    return found


def _move_balances(net: dict[int, int], now: datetime.datetime) -> list[tuple[int, str, int]]:
    """PostgreSQL: add each account's net amount (natural direction by kind) to its balance, in one statement.

    Returns (id, kind, balance before) of every account. An account that does not exist, or whose balance the
    batch would leave below zero, is not updated (the balance CHECK would refuse it with a bare database error);
    it is read as it is instead, and the caller refuses the batch — rolling the others back — with a clear error.
    """
    with connection.cursor() as cur:
        cur.execute(
            # The UPDATE takes each row from ``locked``, which locks them in id order (FOR UPDATE under ORDER BY):
            # a row is written only once every account with a lower id is locked, the order journal_post uses.
            "WITH locked AS MATERIALIZED (SELECT id FROM funds_ledgeraccount WHERE id = ANY(%(ids)s) "
            "ORDER BY id FOR UPDATE) "
            "UPDATE funds_ledgeraccount AS a "
            "SET balance_fen = a.balance_fen + CASE WHEN a.kind = ANY(%(assets)s) THEN v.net ELSE -v.net END, "
            "updated_at = %(now)s "
            "FROM locked JOIN unnest(%(ids)s::bigint[], %(nets)s::bigint[]) AS v(id, net) ON v.id = locked.id "
            "WHERE a.id = locked.id "
            "AND a.balance_fen + CASE WHEN a.kind = ANY(%(assets)s) THEN v.net ELSE -v.net END >= 0 "
            "RETURNING a.id, a.kind, a.balance_fen - CASE WHEN a.kind = ANY(%(assets)s) THEN v.net ELSE -v.net END",
            {"assets": sorted(ASSET_KINDS), "now": now, "ids": list(net), "nets": list(net.values())},
        )
        found: list[tuple[int, str, int]] = cur.fetchall()
        if len(found) < len(net):
            moved = {pk for pk, _kind, _balance in found}
            cur.execute(
                "SELECT id, kind, balance_fen FROM funds_ledgeraccount WHERE id = ANY(%s)",
                [[pk for pk in net if pk not in moved]],
            )
            found.extend(cur.fetchall())
        return found


def _check_running_balances(
    entries: Sequence[EntrySpec],
    pairs: Sequence[Sequence[tuple[int, int]]],
    initial: dict[int, int],
    sign: dict[int, int],
) -> None:
    """Replay the batch entry by entry: refuse it at the first entry that takes an account below zero."""
    running = dict(initial)
    for index, lines in enumerate(pairs):
        for pk, amount in lines:
            running[pk] += sign[pk] * amount
        for pk, _amount in lines:
            if running[pk] < 0:
                key = next(a.key for a, _amt in entries[index].lines if a.pk == pk)
                raise LedgerError(
                    _("第 %(n)s 笔凭证使 %(account)s 余额为负。") % {"n": index + 1, "account": key},
                    code="ledger_insufficient",
                )


_KIND_VALUES: dict[Any, str] = {kind: kind.value for kind in EntryKind} | {kind.value: kind.value for kind in EntryKind}

# kind, reference, memo, bank_id, bank_reference, institution_id, enrolment_id, business_date, division_code
EntryRow = tuple[str, str, str, int | None, str, int | None, int | None, datetime.date, str]
_ENTRY_COLUMNS = (
    "id, kind, reference, memo, bank_id, bank_reference, institution_id, enrolment_id, business_date, "
    "division_code, created_at, created_by_id"
)
# COPY's text format: a backslash starts an escape, tab and newline end a field or a row.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _digest(entry_bytes: bytes, posting_bytes: bytes) -> str:
    digest = hashlib.sha256(entry_bytes)
    digest.update(posting_bytes)
    return digest.hexdigest()


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def _copy_text(
    ids: Sequence[int],
    rows: Iterable[EntryRow],
    pairs: Sequence[Sequence[tuple[int, int]]],
    *,
    stamps: Sequence[str],
    by: int | None,
) -> tuple[str, str]:
    """Entries and postings in COPY text format: what PostgreSQL loads and what the batch's digest covers."""
    entry_parts: list[str] = []
    posting_parts: list[str] = []
    for entry_text, posting_text in _copy_chunks(ids, rows, pairs, stamps=stamps, by=by):
        entry_parts.append(entry_text)
        posting_parts.append(posting_text)
    return "".join(entry_parts), "".join(posting_parts)


# Entries per chunk of COPY text: about 25 kB, under psycopg's 32 kB send buffer.
_CHUNK_ENTRIES = 250


def _copy_chunks(
    ids: Sequence[int],
    rows: Iterable[EntryRow],
    pairs: Sequence[Sequence[tuple[int, int]]],
    *,
    stamps: Sequence[str],
    by: int | None,
) -> Iterator[tuple[str, str]]:
    """``_copy_text`` in chunks of ``_CHUNK_ENTRIES`` entries: (entries' text, their postings' text)."""
    esc = _COPY_ESCAPES
    null = "\\N"
    by_text = null if by is None else str(by)
    days: dict[datetime.date, str] = {}
    entry_lines: list[str] = []
    posting_lines: list[str] = []
    for entry_id, row, lines, stamp in zip(ids, rows, pairs, stamps, strict=True):
        kind, reference, memo, bank_id, bank_reference, institution_id, enrolment_id, day, division = row
        day_text = days.get(day)
        if day_text is None:
            day_text = days[day] = day.isoformat()
        # Empty texts (most memos and bank references in bulk work) need no escaping.
        entry_lines.append(
            f"{entry_id}\t{kind}\t{reference.translate(esc) if reference else ''}\t"
            f"{memo.translate(esc) if memo else ''}\t"
            f"{null if bank_id is None else bank_id}\t{bank_reference.translate(esc) if bank_reference else ''}\t"
            f"{null if institution_id is None else institution_id}\t{null if enrolment_id is None else enrolment_id}\t"
            f"{day_text}\t{division.translate(esc) if division else ''}\t{stamp}\t{by_text}\n"
        )
        posting_lines.extend([f"{entry_id}\t{account_id}\t{amount}\n" for account_id, amount in lines])
        if len(entry_lines) == _CHUNK_ENTRIES:
            yield "".join(entry_lines), "".join(posting_lines)
            entry_lines, posting_lines = [], []
    if entry_lines:
        yield "".join(entry_lines), "".join(posting_lines)


def _copy_entries(
    ids: Sequence[int],
    rows: Iterable[EntryRow],
    pairs: Sequence[Sequence[tuple[int, int]]],
    *,
    stamp: str,
    by: int | None,
) -> str:
    """PostgreSQL: COPY the entries, then their postings; return the SHA-256 of the text (``_digest``).

    The text goes out chunk by chunk as it is made, so PostgreSQL loads one chunk while the next is built (on a
    machine with two cores or more the client's work hides behind the server's).
    """
    digest = hashlib.sha256()
    posting_chunks: list[bytes] = []
    with connection.cursor() as cur:
        raw = cur.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY funds_journalentry ({_ENTRY_COLUMNS}) FROM STDIN") as copy:
            for entry_text, posting_text in _copy_chunks(ids, rows, pairs, stamps=[stamp] * len(ids), by=by):
                data = entry_text.encode()
                digest.update(data)
                copy.write(data)
                posting_chunks.append(posting_text.encode())
        with raw.copy("COPY funds_posting (entry_id, account_id, amount_fen) FROM STDIN") as copy:
            for data in posting_chunks:
                digest.update(data)
                copy.write(data)
    return digest.hexdigest()


def _reserve_entry_ids(count: int) -> list[int]:
    """``count`` entry ids from the identity sequence in one statement.

    ``nextval`` once per id: ids drawn by concurrent posts (which take no common lock) may interleave, so the ids
    are not always one run; the commit check and ``_id_ranges`` handle any set of ids. (A block reserved with
    ``setval(nextval() + count)`` would be one run, but was safe only while every writer held one common lock.)
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence('funds_journalentry', 'id')) FROM generate_series(1, %s)", [count]
        )
        return [row[0] for row in cur.fetchall()]


def _id_ranges(ids: Sequence[int]) -> list[list[int]]:
    """``[[first, last], ...]`` runs of consecutive ids: a batch's ids are one run, so the event stays small."""
    ranges: list[list[int]] = []
    for entry_id in ids:
        if ranges and entry_id == ranges[-1][1] + 1:
            ranges[-1][1] = entry_id
        else:
            ranges.append([entry_id, entry_id])
    return ranges


def _insert_entries(
    rows: Sequence[EntryRow], pairs: Sequence[Sequence[tuple[int, int]]], *, created_by_id: int | None
) -> tuple[list[int], list[str]]:
    """SQLite (no COPY): bulk INSERTs of entries, then postings. Returns the ids and each entry's time stamp."""
    objs = [
        JournalEntry(
            kind=row[0],
            reference=row[1],
            memo=row[2],
            bank_id=row[3],
            bank_reference=row[4],
            institution_id=row[5],
            enrolment_id=row[6],
            business_date=row[7],
            division_code=row[8],
            created_by_id=created_by_id,
        )
        for row in rows
    ]
    JournalEntry.objects.bulk_create(objs, batch_size=2000)
    ids = [obj.pk for obj in objs]
    Posting.objects.bulk_create(
        [
            Posting(entry_id=entry_id, account_id=account_id, amount_fen=amount)
            for entry_id, lines in zip(ids, pairs, strict=True)
            for account_id, amount in lines
        ],
        batch_size=5000,
    )
    return ids, [_stamp(obj.created_at) for obj in objs]


def batch_digest(entry_ids: Sequence[int]) -> str:
    """SHA-256 of the entries and postings as stored, in the form ``journal_post_batch`` hashed when it wrote them.

    Compare with the ``sha256`` of the batch's ``ledger.batch`` audit event to prove the rows are what was booked;
    an empty string if any of the entries does not exist.
    """
    ids = sorted(set(entry_ids))
    stored = {e.pk: e for e in JournalEntry.objects.filter(pk__in=ids)}
    if not ids or len(stored) != len(ids):
        return ""
    lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for entry_id, account_id, amount in (
        Posting.objects.filter(entry_id__in=ids).order_by("id").values_list("entry_id", "account_id", "amount_fen")
    ):
        lines[entry_id].append((account_id, amount))
    entries = [stored[i] for i in ids]
    rows: list[EntryRow] = [
        (
            e.kind,
            e.reference,
            e.memo,
            e.bank_id,
            e.bank_reference,
            e.institution_id,
            e.enrolment_id,
            e.business_date,
            e.division_code,
        )
        for e in entries
    ]
    entry_text, posting_text = _copy_text(
        ids,
        rows,
        [lines[i] for i in ids],
        stamps=[_stamp(e.created_at) for e in entries],
        by=entries[0].created_by_id,
    )
    return _digest(entry_text.encode(), posting_text.encode())
