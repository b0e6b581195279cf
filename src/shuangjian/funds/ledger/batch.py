"""The double-entry ledger: the only code that writes ``JournalEntry``, ``Posting`` and ``LedgerAccount.balance_fen``.

Sign convention
---------------
* A posting's ``amount_fen`` is an integer number of fen: **positive = debit, negative = credit**. The postings of
  one entry sum to exactly zero (checked here before writing, and on PostgreSQL again at COMMIT by a deferred
  constraint trigger).
* ``LedgerAccount.balance_fen`` is kept in the account's natural direction and is never negative:

  ============================ ========= ==================================================================
  kind                         side      meaning
  ============================ ========= ==================================================================
  ``custody_cash``             asset     money actually held at the custody bank (per institution; plus
                                         one per bank for money not yet attributed to an institution)
  ``parent_prepaid``           liability a parent's unconsumed prepaid balance, per enrolment
  ``institution_settled``      liability released to the institution (lessons confirmed), not yet paid out
  ``refunds_payable``          liability refunds approved, owed to parents until the bank confirms payment
  ``suspense``                 liability money received that matched no order (per bank), until resolved
  ============================ ========= ==================================================================

  Asset balance = debits − credits; liability balance = credits − debits. Because every entry balances, at all
  times::

      Σ custody_cash = Σ parent_prepaid + Σ institution_settled + Σ refunds_payable + Σ suspense

  and, per institution, ``cash:i`` = its parents' prepaid + its settled + its refunds payable (suspense money sits
  in the per-bank cash account until it is allocated). ``ledger_invariant_problems()`` checks all of this.

Typical entries (``Dr`` = positive amount, ``Cr`` = negative):

* payment in:        Dr custody_cash(inst)          Cr parent_prepaid(enrolment)
* unmatched money:   Dr custody_cash(bank)          Cr suspense(bank)
* release (一课一消): Dr parent_prepaid(enrolment)   Cr institution_settled(inst)   — needs a confirmed
  ``ConsumptionRequest``; each request releases once
* pay out released:  Dr institution_settled(inst)   Cr custody_cash(inst)
* refund approved:   Dr parent_prepaid(enrolment)   Cr refunds_payable(inst)
* refund paid:       Dr refunds_payable(inst)       Cr custody_cash(inst)

Concurrency: ``journal_post`` locks the audit chain head first (every money write is audited, so writers queue
there in one order), then every touched account row with ``SELECT ... FOR UPDATE`` in primary-key order, so two
writers never wait on each other in opposite orders. Callers that lock other rows (a consumption request, an
order) should do so before calling ``journal_post`` and always in the same order.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record, lock_chain_head
from shuangjian.core.models import AuditChainHead, User
from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from ..models import (
    ASSET_KINDS,
    CONFIRMED_CONSUMPTION,
    AccountKind,
    Bank,
    ConsumptionRequest,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Posting,
)

# A posting larger than this is refused as a typo rather than booked: 100 million yuan in one line.
MAX_POSTING_FEN = 100_000_000 * 100

Line = tuple[LedgerAccount, int]


class LedgerError(ValidationError):
    """A post the ledger refuses; ``code`` is stable (``ledger_unbalanced``, ``ledger_insufficient`` ...)."""


# ---------------------------------------------------------------------------------------------------- accounts


def _account(key: str, kind: AccountKind, **fields: Any) -> LedgerAccount:
    # get_or_create retries the read on IntegrityError, so two first-time writers both get the same row.
    account, _created = LedgerAccount.objects.get_or_create(key=key, defaults={"kind": kind, **fields})
    return account


def account_custody_cash(institution: Institution) -> LedgerAccount:
    """Asset: the institution's money held at its custody bank (debit-positive)."""
    return _account(
        f"cash:i:{institution.pk}",
        AccountKind.CUSTODY_CASH,
        institution=institution,
        division_code=institution.division_code,
    )


def account_bank_unallocated_cash(bank: Bank) -> LedgerAccount:
    """Asset: money at ``bank`` not yet attributed to an institution (the cash side of ``account_suspense``)."""
    return _account(f"cash:b:{bank.pk}", AccountKind.CUSTODY_CASH, bank=bank)


def account_for_parent_enrolment(enrolment: Enrolment) -> LedgerAccount:
    """Liability: the parent's unconsumed prepaid balance for one enrolment (credit-positive, never below zero)."""
    return _account(
        f"prepaid:e:{enrolment.pk}",
        AccountKind.PARENT_PREPAID,
        enrolment=enrolment,
        institution_id=enrolment.institution_id,
        division_code=enrolment.division_code,
    )


def account_institution_settled(institution: Institution) -> LedgerAccount:
    """Liability: released to the institution for confirmed lessons, not yet paid out by the bank."""
    return _account(
        f"settled:i:{institution.pk}",
        AccountKind.INSTITUTION_SETTLED,
        institution=institution,
        division_code=institution.division_code,
    )


def account_refunds_payable(institution: Institution) -> LedgerAccount:
    """Liability: refunds approved for the institution's parents, owed until the bank confirms payment."""
    return _account(
        f"refunds:i:{institution.pk}",
        AccountKind.REFUNDS_PAYABLE,
        institution=institution,
        division_code=institution.division_code,
    )


def account_suspense(bank: Bank) -> LedgerAccount:
    """Liability: money received by ``bank`` that matched no order, until allocated or returned."""
    return _account(f"suspense:b:{bank.pk}", AccountKind.SUSPENSE, bank=bank)


def account_by_key(key: str) -> LedgerAccount:
    """An existing account by its key (for manual adjustments); ``LedgerError`` if there is none."""
    try:
        return LedgerAccount.objects.get(key=key)
    except LedgerAccount.DoesNotExist:
        raise LedgerError(_("记账科目 %(key)s 不存在。") % {"key": key}, code="ledger_unknown_account")


# ---------------------------------------------------------------------------------------------------- posting


def _natural(account_kind: str, amount_fen: int) -> int:
    """The change a posting makes to the account's natural-direction balance."""
    return amount_fen if account_kind in ASSET_KINDS else -amount_fen


def validate_lines(lines: Sequence[tuple[LedgerAccount, Any]]) -> None:
    """Raise ``LedgerError`` unless ``lines`` is ≥ 2 non-zero integer-fen amounts summing to zero."""
    if len(lines) < 2:
        raise LedgerError(_("一笔凭证至少需要两条分录。"), code="ledger_too_few_lines")
    total = 0
    for account, amount in lines:
        # bool is an int subclass and float/Decimal may carry fractions of a fen: only exact ints are money here.
        if type(amount) is not int:
            raise LedgerError(_("金额必须是整数（分）。"), code="ledger_not_integer")
        if amount == 0:
            raise LedgerError(_("分录金额不能为零。"), code="ledger_zero_line")
        if abs(amount) > MAX_POSTING_FEN:
            raise LedgerError(_("分录金额超出上限。"), code="ledger_too_large")
        if account is None or account.id is None:  # ``.id``: a plain attribute, read for every line of a batch
            raise LedgerError(_("分录缺少记账科目。"), code="ledger_unknown_account")
        total += amount
    if total != 0:
        raise LedgerError(_("借贷不平衡：分录合计 %(total)s 分，应为 0。") % {"total": total}, code="ledger_unbalanced")


def _lock_audit_head() -> AuditChainHead:
    # Every ledger write is audited and audit_record locks this row anyway; taking it first gives all money
    # writers one lock order (audit head → accounts by id), so they cannot deadlock against each other.
    return lock_chain_head()


@transaction.atomic
def journal_post(
    *,
    actor: User | None,
    kind: EntryKind | str,
    lines: Sequence[Line],
    reference: str = "",
    memo: str = "",
    bank: Bank | None = None,
    bank_reference: str = "",
    institution: Institution | None = None,
    enrolment: Enrolment | None = None,
    business_date: datetime.date | None = None,
    idempotency_key: str | None = None,
    consumption: ConsumptionRequest | None = None,
) -> JournalEntry:
    """Book one balanced entry and move the account balances, or raise ``LedgerError`` and book nothing.

    Guarantees: postings are non-zero integer fen summing to zero; no account balance goes below zero (checked
    under row locks, so concurrent posts cannot overdraw); an entry of kind ``release`` needs ``consumption``, a
    confirmed ``ConsumptionRequest`` not released before, and credits the institution exactly its amount (so
    money released never exceeds confirmed consumption); one audit event ``ledger.<kind>`` per entry.

    ``idempotency_key``: if an entry with this key exists, it is returned and nothing new is booked — safe for
    retries and concurrent duplicates (a unique constraint decides the race).
    """
    kind = EntryKind(kind)
    validate_lines(lines)
    if idempotency_key:
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    head = _lock_audit_head()
    if idempotency_key:
        # A duplicate that was in flight has committed by the time we hold the head lock.
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    if kind == EntryKind.RELEASE:
        _check_release(lines, consumption)
    elif consumption is not None:
        raise LedgerError(_("只有释放凭证可以关联消课记录。"), code="ledger_consumption_unexpected")

    deltas: dict[int, int] = defaultdict(int)
    for account, amount in lines:
        deltas[account.pk] += amount
    locked = {a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=sorted(deltas)).order_by("pk")}
    natural_change: dict[int, int] = {}
    for pk, amount in deltas.items():
        account = locked[pk]
        change = _natural(account.kind, amount)
        if account.balance_fen + change < 0:
            raise LedgerError(
                _("余额不足：%(account)s 余额 %(balance)s 分，本次减少 %(change)s 分。")
                % {"account": account.key, "balance": account.balance_fen, "change": -change},
                code="ledger_insufficient",
            )
        natural_change[pk] = change

    entry = JournalEntry(
        kind=kind,
        reference=reference[:80],
        memo=memo[:255],
        bank=bank,
        bank_reference=bank_reference[:64],
        institution=institution,
        enrolment=enrolment,
        business_date=business_date or timezone.localdate(),
        created_by=actor if actor is not None and actor.pk else None,
        idempotency_key=idempotency_key or None,
        division_code=(institution.division_code if institution else (enrolment.division_code if enrolment else "")),
    )
    if idempotency_key:
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            # A concurrent writer with the same key committed first: theirs is the entry.
            return JournalEntry.objects.get(idempotency_key=idempotency_key)
    else:
        entry.save()
    Posting.objects.bulk_create([Posting(entry=entry, account_id=a.pk, amount_fen=amt) for a, amt in lines])
    moved = {pk: change for pk, change in natural_change.items() if change}
    _add_to_balances(moved)
    for pk, change in moved.items():
        locked[pk].balance_fen += change
    # Callers hold their own instances of these accounts; keep them current so a next post reads true balances.
    for account, _amount in lines:
        account.balance_fen = locked[account.pk].balance_fen
    if consumption is not None:
        ConsumptionRequest.objects.filter(pk=consumption.pk).update(release_entry=entry)
        consumption.release_entry = entry
    audit_record(
        actor=actor,
        action=f"ledger.{kind.value}",
        chain_head=head,
        obj=entry,
        after={
            "reference": entry.reference,
            "bank_reference": entry.bank_reference,
            "lines": [[a.key, amt] for a, amt in lines],
        },
    )
    return entry


def _add_to_balances(changes: dict[int, int]) -> None:
    """Add each change to its account's balance: one statement however many accounts (the rows are locked)."""
    if not changes:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE funds_ledgeraccount AS a SET balance_fen = a.balance_fen + v.change, updated_at = %s "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, change) WHERE a.id = v.id",
                [timezone.now(), list(changes), list(changes.values())],
            )
        return
    for pk, change in changes.items():
        LedgerAccount.objects.filter(pk=pk).update(balance_fen=F("balance_fen") + change, updated_at=timezone.now())


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
    batch; accounts are locked once, after the audit head (which orders every ledger writer). On PostgreSQL one
    ``UPDATE … FROM unnest`` locks the accounts and moves their balances, then entries and postings go in by COPY;
    the append-only triggers and the deferred set-based zero-sum check still apply.

    The batch is one audit event ``ledger.batch``: the entry ids, counts and totals, and the SHA-256 of the rows as
    written (``batch_digest`` recomputes it from the database, so the event proves what the batch booked). One
    event per batch rather than per entry is what makes bulk work — imports, bank batches — fast: the audit chain
    is a single locked row. Releases are refused here: each goes through ``journal_post`` with its consumption.
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
    head = _lock_audit_head()
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    net = {pk: debits_in.get(pk, 0) + credits_in.get(pk, 0) for pk in sorted(debits_in.keys() | credits_in.keys())}
    # Plain tuples, not model instances: a bank batch can touch thousands of parent accounts.
    sign: dict[int, int] = {}
    initial: dict[int, int] = {}
    # PostgreSQL: one UPDATE locks the accounts and moves their balances, returning what the check below needs; a
    # refusal rolls it back. (The accounts' lock order cannot deadlock: every ledger writer holds the audit head.)
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
        chain_head=head,
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
            "UPDATE funds_ledgeraccount AS a "
            "SET balance_fen = a.balance_fen + CASE WHEN a.kind = ANY(%(assets)s) THEN v.net ELSE -v.net END, "
            "updated_at = %(now)s "
            "FROM unnest(%(ids)s::bigint[], %(nets)s::bigint[]) AS v(id, net) "
            "WHERE a.id = v.id AND a.balance_fen + CASE WHEN a.kind = ANY(%(assets)s) THEN v.net ELSE -v.net END >= 0 "
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
    """``count`` consecutive entry ids from the identity sequence in one statement rather than ``count`` calls.

    Safe because every writer of journal entries holds the audit chain head lock (``_lock_audit_head``) while it
    draws ids, so no other nextval() can land inside the block; if one ever did, the primary key would refuse the
    duplicate and the batch would roll back — never a silent overlap.
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('funds_journalentry', 'id'), "
            "nextval(pg_get_serial_sequence('funds_journalentry', 'id')) + %s)",
            [count - 1],
        )
        last = cur.fetchone()[0]
    return list(range(last - count + 1, last + 1))


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


def _check_release(lines: Sequence[Line], consumption: ConsumptionRequest | None) -> None:
    if consumption is None:
        raise LedgerError(_("释放资金必须对应一条已确认的消课记录。"), code="ledger_release_unconfirmed")
    current = ConsumptionRequest.objects.select_for_update().get(pk=consumption.pk)
    if current.status not in CONFIRMED_CONSUMPTION:
        raise LedgerError(_("该课次尚未确认消课，不能释放资金。"), code="ledger_release_unconfirmed")
    if current.release_entry_id is not None:
        raise LedgerError(_("该课次的资金已经释放过。"), code="ledger_release_twice")
    released = -sum(amt for a, amt in lines if a.kind == AccountKind.INSTITUTION_SETTLED)
    if released != current.amount_fen:
        raise LedgerError(
            _("释放金额 %(released)s 分与确认消课金额 %(amount)s 分不一致。")
            % {"released": released, "amount": current.amount_fen},
            code="ledger_release_mismatch",
        )


# ---------------------------------------------------------------------------------------------------- operations


def post_payment_in(
    *,
    actor: User | None,
    enrolment: Enrolment,
    amount_fen: int,
    bank: Bank | None = None,
    bank_reference: str = "",
    reference: str = "",
    idempotency_key: str | None = None,
    business_date: datetime.date | None = None,
) -> JournalEntry:
    """A parent's payment arrived in custody: Dr custody cash (institution), Cr the parent's prepaid balance.

    ``business_date``: the day the bank received the money (default today), the day its statement will show it.
    """
    institution = enrolment.institution
    return journal_post(
        actor=actor,
        kind=EntryKind.PAYMENT_IN,
        lines=[(account_custody_cash(institution), amount_fen), (account_for_parent_enrolment(enrolment), -amount_fen)],
        reference=reference,
        bank=bank,
        bank_reference=bank_reference,
        institution=institution,
        enrolment=enrolment,
        idempotency_key=idempotency_key,
        business_date=business_date,
    )


def post_suspense_in(
    *,
    actor: User | None,
    bank: Bank,
    amount_fen: int,
    bank_reference: str = "",
    reference: str = "",
    business_date: datetime.date | None = None,
) -> JournalEntry:
    """Money that matched nothing: Dr the bank's unallocated cash, Cr the bank's suspense."""
    return journal_post(
        actor=actor,
        kind=EntryKind.SUSPENSE_IN,
        lines=[(account_bank_unallocated_cash(bank), amount_fen), (account_suspense(bank), -amount_fen)],
        reference=reference,
        bank=bank,
        bank_reference=bank_reference,
        business_date=business_date,
    )


def post_suspense_allocate(
    *, actor: User | None, bank: Bank, enrolment: Enrolment, amount_fen: int, reference: str = ""
) -> JournalEntry:
    """Suspense money identified as a payment for ``enrolment``: moves it to the institution's cash and the parent."""
    institution = enrolment.institution
    return journal_post(
        actor=actor,
        kind=EntryKind.SUSPENSE_ALLOCATE,
        lines=[
            (account_suspense(bank), amount_fen),
            (account_bank_unallocated_cash(bank), -amount_fen),
            (account_custody_cash(institution), amount_fen),
            (account_for_parent_enrolment(enrolment), -amount_fen),
        ],
        reference=reference,
        bank=bank,
        institution=institution,
        enrolment=enrolment,
    )


def post_release(*, actor: User | None, consumption: ConsumptionRequest) -> JournalEntry:
    """One confirmed lesson: its price moves from the parent's balance to the institution (once per request)."""
    enrolment = consumption.enrolment
    institution = enrolment.institution
    amount = consumption.amount_fen
    return journal_post(
        actor=actor,
        kind=EntryKind.RELEASE,
        lines=[(account_for_parent_enrolment(enrolment), amount), (account_institution_settled(institution), -amount)],
        reference=f"consumption:{consumption.pk}",
        institution=institution,
        enrolment=enrolment,
        consumption=consumption,
    )


def post_payout(
    *, actor: User | None, institution: Institution, amount_fen: int, bank_reference: str = "", reference: str = ""
) -> JournalEntry:
    """The bank paid released money out to the institution: Dr institution settled, Cr custody cash."""
    return journal_post(
        actor=actor,
        kind=EntryKind.PAYOUT,
        lines=[
            (account_institution_settled(institution), amount_fen),
            (account_custody_cash(institution), -amount_fen),
        ],
        reference=reference,
        bank_reference=bank_reference,
        institution=institution,
        idempotency_key=f"payout:{reference}" if reference else None,
    )


def post_refund_approve(
    *, actor: User | None, enrolment: Enrolment, amount_fen: int, reference: str = ""
) -> JournalEntry:
    """A refund agreed (or deemed agreed / ordered): the amount leaves the parent's balance and is owed to them."""
    institution = enrolment.institution
    return journal_post(
        actor=actor,
        kind=EntryKind.REFUND_APPROVE,
        lines=[
            (account_for_parent_enrolment(enrolment), amount_fen),
            (account_refunds_payable(institution), -amount_fen),
        ],
        reference=reference,
        institution=institution,
        enrolment=enrolment,
    )


def post_refund_paid(
    *,
    actor: User | None,
    institution: Institution,
    amount_fen: int,
    enrolment: Enrolment | None = None,
    bank_reference: str = "",
    reference: str = "",
) -> JournalEntry:
    """The bank confirmed the refund paid: Dr refunds payable, Cr custody cash."""
    return journal_post(
        actor=actor,
        kind=EntryKind.REFUND_PAID,
        lines=[(account_refunds_payable(institution), amount_fen), (account_custody_cash(institution), -amount_fen)],
        reference=reference,
        bank_reference=bank_reference,
        institution=institution,
        enrolment=enrolment,
        idempotency_key=f"refund_paid:{reference}" if reference else None,
    )


# ---------------------------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class LedgerTotals:
    custody_cash_fen: int
    parent_prepaid_fen: int
    institution_settled_fen: int
    refunds_payable_fen: int
    suspense_fen: int


def ledger_totals(institution: Institution | None = None) -> LedgerTotals:
    """Sum of balances per account kind (for one institution, or everything)."""
    qs = LedgerAccount.objects.all()
    if institution is not None:
        qs = qs.filter(institution=institution)
    sums = {row["kind"]: row["total"] or 0 for row in qs.values("kind").annotate(total=Sum("balance_fen"))}
    return LedgerTotals(
        custody_cash_fen=sums.get(AccountKind.CUSTODY_CASH, 0),
        parent_prepaid_fen=sums.get(AccountKind.PARENT_PREPAID, 0),
        institution_settled_fen=sums.get(AccountKind.INSTITUTION_SETTLED, 0),
        refunds_payable_fen=sums.get(AccountKind.REFUNDS_PAYABLE, 0),
        suspense_fen=sums.get(AccountKind.SUSPENSE, 0),
    )


def ledger_invariant_problems(institutions: Iterable[Institution] | None = None) -> list[str]:
    """Every way the ledger is inconsistent, as readable strings; an empty list means all invariants hold.

    Checks: each entry's postings sum to zero (and it has ≥ 2); every balance equals its postings and is ≥ 0;
    custody cash = parent prepaid + institution settled + refunds payable + suspense (overall and per institution);
    per enrolment, money released ≤ the price of confirmed consumption, and each release is tied to one.
    """
    problems: list[str] = []
    unbalanced = (
        Posting.objects.values("entry_id")
        .annotate(total=Sum("amount_fen"))
        .exclude(total=0)
        .values_list("entry_id", "total")
    )
    problems += [f"entry {e} sums to {t}" for e, t in unbalanced]
    if JournalEntry.objects.filter(postings__isnull=True).exists():
        problems.append("entry without postings")

    posted = dict(
        Posting.objects.values("account_id").annotate(total=Sum("amount_fen")).values_list("account_id", "total")
    )
    for account in LedgerAccount.objects.all():
        expected = _natural(account.kind, posted.get(account.pk, 0) or 0)
        if account.balance_fen != expected:
            problems.append(f"{account.key}: balance {account.balance_fen} != postings {expected}")
        if account.balance_fen < 0:
            problems.append(f"{account.key}: negative balance {account.balance_fen}")

    t = ledger_totals()
    owed = t.parent_prepaid_fen + t.institution_settled_fen + t.refunds_payable_fen + t.suspense_fen
    if t.custody_cash_fen != owed:
        problems.append(f"custody cash {t.custody_cash_fen} != owed {owed}")
    inst_ids = (
        [i.pk for i in institutions]
        if institutions is not None
        else list(LedgerAccount.objects.exclude(institution=None).values_list("institution_id", flat=True).distinct())
    )
    for inst_id in inst_ids:
        sums = dict(
            LedgerAccount.objects.filter(institution_id=inst_id)
            .values("kind")
            .annotate(total=Sum("balance_fen"))
            .values_list("kind", "total")
        )
        cash = sums.get(AccountKind.CUSTODY_CASH, 0)
        liab = sum(v for k, v in sums.items() if k != AccountKind.CUSTODY_CASH)
        if cash != liab:
            problems.append(f"institution {inst_id}: cash {cash} != owed {liab}")

    released = dict(
        Posting.objects.filter(entry__kind=EntryKind.RELEASE, account__kind=AccountKind.INSTITUTION_SETTLED)
        .values("entry__enrolment_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("entry__enrolment_id", "total")
    )
    confirmed = dict(
        ConsumptionRequest.objects.filter(status__in=CONFIRMED_CONSUMPTION)
        .values("enrolment_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("enrolment_id", "total")
    )
    for enrolment_id, credit in released.items():
        if -credit > (confirmed.get(enrolment_id) or 0):
            problems.append(f"enrolment {enrolment_id}: released {-credit} > confirmed {confirmed.get(enrolment_id)}")
    orphan = JournalEntry.objects.filter(kind=EntryKind.RELEASE, released_consumption__isnull=True).count()
    if orphan:
        problems.append(f"{orphan} release entries without a consumption request")
    return problems
