"""One balanced entry at a time: ``journal_post``, the path every release and single booking takes."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import (
    AUDIT_HEAD_CTE,
    PendingEvent,
    audit_append_ctes,
    audit_chain_lock,
    audit_pending,
    audit_record,
)
from shuangjian.core.models import User
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
from .accounts import MAX_POSTING_FEN, LedgerError, Line


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


@dataclass
class _Entry:
    """What ``journal_post`` writes, once validated: the fields of the entry row and the net change per account."""

    kind: EntryKind
    lines: Sequence[Line]
    reference: str
    memo: str
    bank: Bank | None
    bank_reference: str
    institution: Institution | None
    enrolment: Enrolment | None
    business_date: datetime.date
    created_by: User | None
    idempotency_key: str | None
    division_code: str
    consumption: ConsumptionRequest | None
    # Debit-positive net amount per account id, in id order (the lock order).
    deltas: dict[int, int] = field(default_factory=dict)


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

    Locks: the head of the audit chain its event joins (the institution's), then the consumption request of a
    release, then the touched accounts in id order. Two posts of different institutions never wait on each other.

    On PostgreSQL the entry, its postings, the balances and its audit event are one prepared statement
    (``_post_postgres``), which outside a transaction is its own transaction: one round trip. Elsewhere the ORM
    (``_post_orm``). Neither opens a savepoint: a refusal is raised only once nothing has been written, so a
    caller's own transaction stays usable after catching ``LedgerError``.
    """
    kind = EntryKind(kind)
    validate_lines(lines)
    if kind != EntryKind.RELEASE and consumption is not None:
        raise LedgerError(_("只有释放凭证可以关联消课记录。"), code="ledger_consumption_unexpected")
    if kind == EntryKind.RELEASE and consumption is None:
        raise LedgerError(_("释放资金必须对应一条已确认的消课记录。"), code="ledger_release_unconfirmed")
    deltas: dict[int, int] = defaultdict(int)
    for account, amount in lines:
        deltas[account.id] += amount
    spec = _Entry(
        kind=kind,
        lines=lines,
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
        consumption=consumption,
        deltas={pk: deltas[pk] for pk in sorted(deltas)},
    )
    if connection.vendor == "postgresql":
        entry = _new_entry(spec, created_at=timezone.now())
        # No transaction block of its own: the entry and its event are one statement, which outside a transaction
        # is its own transaction (and inside one is part of the caller's).
        outcome = _post_postgres(
            spec, entry, audit_pending(actor=actor, action=f"ledger.{kind.value}", obj=entry, after=_event_after(spec))
        )
    else:
        with transaction.atomic(savepoint=False):
            # The audit chain's head first, then the accounts: services that audit before they post (a parent's
            # confirmation, a risk deposit) take the same two locks in the same order, so they cannot deadlock
            # against a bare post on the same institution's accounts.
            audit_chain_lock(obj=institution, division_code=spec.division_code)
            outcome = _post_orm(spec)
            if isinstance(outcome, _Booked):
                audit_record(actor=actor, action=f"ledger.{kind.value}", obj=outcome.entry, after=_event_after(spec))
    if isinstance(outcome, LedgerError):
        raise outcome
    return outcome.entry if isinstance(outcome, _Booked) else outcome


def _new_entry(spec: _Entry, **extra: Any) -> JournalEntry:
    """The entry row ``spec`` describes, not saved yet."""
    return JournalEntry(
        kind=spec.kind.value,
        reference=spec.reference,
        memo=spec.memo,
        bank=spec.bank,
        bank_reference=spec.bank_reference,
        institution=spec.institution,
        enrolment=spec.enrolment,
        business_date=spec.business_date,
        created_by=spec.created_by,
        idempotency_key=spec.idempotency_key,
        division_code=spec.division_code,
        **extra,
    )


def _event_after(spec: _Entry) -> dict[str, Any]:
    """What the entry's audit event records of it."""
    return {
        "reference": spec.reference,
        "bank_reference": spec.bank_reference,
        "lines": [[a.key, amt] for a, amt in spec.lines],
    }


@dataclass(frozen=True)
class _Booked:
    """A new entry (an existing one, returned for its idempotency key, is a bare ``JournalEntry``)."""

    entry: JournalEntry


_Outcome = _Booked | JournalEntry | LedgerError


def _refuse_overdraft(account_key: str, balance: int, change: int) -> LedgerError:
    return LedgerError(
        _("余额不足：%(account)s 余额 %(balance)s 分，本次减少 %(change)s 分。")
        % {"account": account_key, "balance": balance, "change": -change},
        code="ledger_insufficient",
    )


def _release_refusal(spec: _Entry, current: ConsumptionRequest | None) -> LedgerError | None:
    """Why this release may not be booked (``current``: the consumption request as locked now), or None."""
    if current is None or current.status not in CONFIRMED_CONSUMPTION:
        return LedgerError(_("该课次尚未确认消课，不能释放资金。"), code="ledger_release_unconfirmed")
    if current.release_entry_id is not None:
        return LedgerError(_("该课次的资金已经释放过。"), code="ledger_release_twice")
    released = _released(spec)
    if released != current.amount_fen:
        return LedgerError(
            _("释放金额 %(released)s 分与确认消课金额 %(amount)s 分不一致。")
            % {"released": released, "amount": current.amount_fen},
            code="ledger_release_mismatch",
        )
    return None


def _released(spec: _Entry) -> int:
    """What a release credits the institution: the amount its consumption request must equal."""
    return -sum(amt for a, amt in spec.lines if a.kind == AccountKind.INSTITUTION_SETTLED)


def _existing(idempotency_key: str | None) -> JournalEntry | None:
    if not idempotency_key:
        return None
    return JournalEntry.objects.filter(idempotency_key=idempotency_key).first()


def _keep_callers_current(spec: _Entry, balances: dict[int, int]) -> None:
    # Callers hold their own instances of these accounts; keep them current so a next post reads true balances.
    for account, _amount in spec.lines:
        if account.id in balances:
            account.balance_fen = balances[account.id]


# ---------------------------------------------------------------------------------------------------- PostgreSQL

# One statement books the entry and appends its audit event. It locks, in this order, the head of the audit chain
# the event joins (first, as every audited writer does), the consumption request of a release, then the accounts
# in id order (FOR UPDATE under ORDER BY locks row by row in that order, so two posts cannot deadlock on accounts;
# each lock's CTE waits for the one before through a one-time filter). It checks that the head exists, that the
# release is confirmed, not released before and of the released amount, that every account exists and that no
# balance goes below zero, and only if so inserts the entry (ON CONFLICT on the idempotency key: a concurrent
# duplicate makes it insert nothing, without an error that would abort the caller's transaction), its postings,
# moves the balances, links the consumption request and appends the event. Everything after the locks depends on
# the inserted entry row, so a refusal or a duplicate writes nothing; the row returned says why. Outside a
# transaction the statement is its own transaction: one round trip books the entry. The statement-level triggers
# of migrations 0006/0008 and the deferred zero-sum check at COMMIT apply as to any other writer.
#
# One text per shape (a release or not, an idempotency key or not), prepared once per connection. Within a shape
# no parameter changes the plan: the arrays reach the plan as one-row subqueries, whose values no plan sees, so a
# custom plan costs what the generic one does and PostgreSQL keeps the generic plan after five runs instead of
# planning every post (measured: planning was a quarter of the statement's server time).
_POST_TEMPLATE = """
WITH {audit_head}, {consumption_cte}locked AS MATERIALIZED (
    SELECT a.id, a.kind, a.key, a.balance_fen FROM funds_ledgeraccount a
     WHERE a.id = ANY((SELECT %(ids)s::bigint[])::bigint[]) AND EXISTS (SELECT FROM audit_head){consumption_wait}
     ORDER BY a.id FOR UPDATE
), moves AS MATERIALIZED (
    SELECT l.id, l.key, l.balance_fen,
           CASE WHEN l.kind = ANY(%(assets)s::text[]) THEN v.delta ELSE -v.delta END AS change
      FROM locked l JOIN unnest((SELECT %(ids)s::bigint[]), (SELECT %(deltas)s::bigint[])) AS v(id, delta)
        ON v.id = l.id
), {existing_cte}ok AS (
    SELECT count(*) = %(n)s::int AND COALESCE(bool_and(m.balance_fen + m.change >= 0), false){ok_more} AS ok
      FROM moves m
), entry AS (
    INSERT INTO funds_journalentry (kind, reference, idempotency_key, bank_id, bank_reference, institution_id,
                                    enrolment_id, memo, business_date, created_at, created_by_id, division_code)
    SELECT %(kind)s, %(reference)s, {key}, %(bank)s::bigint, %(bank_reference)s, %(institution)s::bigint,
           %(enrolment)s::bigint, %(memo)s, %(day)s::date, %(now)s::timestamptz, %(by)s::bigint, %(division)s
      FROM ok WHERE ok.ok
    {on_conflict}RETURNING id
), postings AS (
    INSERT INTO funds_posting (entry_id, account_id, amount_fen)
    SELECT entry.id, p.account_id, p.amount
      FROM entry, unnest((SELECT %(accounts)s::bigint[]), (SELECT %(amounts)s::bigint[])) WITH ORDINALITY
           AS p(account_id, amount, n)
     ORDER BY p.n
), moved AS (
    UPDATE funds_ledgeraccount a SET balance_fen = m.balance_fen + m.change, updated_at = %(now)s::timestamptz
      FROM moves m, entry WHERE a.id = m.id AND m.change <> 0
), {released_cte}{audit_append}
SELECT (SELECT id FROM entry), {existing_id}, EXISTS (SELECT FROM audit_head), {consumption_columns},
       m.id, m.key, m.balance_fen, m.change
  FROM (SELECT) AS one LEFT JOIN moves m ON true
"""

_RELEASE_PARTS = {
    "consumption_cte": """consumption AS MATERIALIZED (
    SELECT c.status, c.release_entry_id, c.amount_fen FROM funds_consumptionrequest c
     WHERE c.id = %(consumption)s::bigint AND EXISTS (SELECT FROM audit_head) FOR UPDATE
), """,
    "consumption_wait": " AND EXISTS (SELECT FROM consumption)",
    "ok_more_release": """
           AND EXISTS (SELECT FROM consumption c WHERE c.status = ANY(%(confirmed)s::text[])
                       AND c.release_entry_id IS NULL AND c.amount_fen = %(released)s::bigint)""",
    "released_cte": """released AS (
    UPDATE funds_consumptionrequest c SET release_entry_id = entry.id FROM entry WHERE c.id = %(consumption)s::bigint
), """,
    "consumption_columns": """EXISTS (SELECT FROM consumption), (SELECT c.status FROM consumption c),
       (SELECT c.release_entry_id FROM consumption c), (SELECT c.amount_fen FROM consumption c)""",
}


@functools.cache
def _post_sql(*, release: bool, keyed: bool) -> str:
    """The statement for one shape of post (see above)."""
    return _POST_TEMPLATE.format(
        audit_head=AUDIT_HEAD_CTE,
        consumption_cte=_RELEASE_PARTS["consumption_cte"] if release else "",
        consumption_wait=_RELEASE_PARTS["consumption_wait"] if release else "",
        existing_cte=(
            "existing AS (\n    SELECT e.id FROM funds_journalentry e WHERE e.idempotency_key = %(key)s::text\n), "
            if keyed
            else ""
        ),
        ok_more=(
            ("\n           AND NOT EXISTS (SELECT FROM existing)" if keyed else "")
            + (_RELEASE_PARTS["ok_more_release"] if release else "")
        ),
        key="%(key)s::text" if keyed else "NULL",
        on_conflict="ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING\n    " if keyed else "",
        released_cte=_RELEASE_PARTS["released_cte"] if release else "",
        audit_append=audit_append_ctes(source="entry", object_id="entry.id::text"),
        existing_id="(SELECT id FROM existing)" if keyed else "NULL::bigint",
        consumption_columns=(
            _RELEASE_PARTS["consumption_columns"] if release else "false, NULL::text, NULL::bigint, NULL::bigint"
        ),
    )


_ASSETS = sorted(ASSET_KINDS)
_CONFIRMED = [str(status) for status in CONFIRMED_CONSUMPTION]


def _post_postgres(spec: _Entry, entry: JournalEntry, event: PendingEvent) -> _Outcome:
    consumption = spec.consumption
    params = {
        "ids": list(spec.deltas),
        "deltas": list(spec.deltas.values()),
        "assets": _ASSETS,
        "key": spec.idempotency_key,
        "n": len(spec.deltas),
        "kind": spec.kind.value,
        "reference": spec.reference,
        "bank": spec.bank.pk if spec.bank is not None else None,
        "bank_reference": spec.bank_reference,
        "institution": spec.institution.pk if spec.institution is not None else None,
        "enrolment": spec.enrolment.pk if spec.enrolment is not None else None,
        "memo": spec.memo,
        "day": spec.business_date,
        "now": entry.created_at,
        "by": spec.created_by.pk if spec.created_by is not None else None,
        "division": spec.division_code,
        "accounts": [account.id for account, _amount in spec.lines],
        "amounts": [amount for _account, amount in spec.lines],
        "consumption": consumption.pk if consumption is not None else None,
        "confirmed": _CONFIRMED,
        "released": _released(spec),
        **event.params,
    }
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    raw_connection = connection.connection
    # A server-side prepared statement (psycopg binds the parameters; the statement is parsed and planned once per
    # connection). Django's own cursors bind client-side, which would parse and plan it on every post; and Django
    # turns psycopg's preparation off (prepare_threshold None), under which ``prepare=True`` is silently ignored.
    # Only server-side-binding cursors prepare at all, so allowing it on the connection changes nothing else.
    if raw_connection.prepare_threshold is None:
        raw_connection.prepare_threshold = 5
    with connection.wrap_database_errors, psycopg.Cursor(raw_connection) as raw:
        sql = _post_sql(release=consumption is not None, keyed=spec.idempotency_key is not None)
        raw.execute(sql, params, prepare=True)
        rows = raw.fetchall()
        if not rows[0][2]:
            # The chain has no head row yet (its first event): create it, then post. Nothing was locked or written.
            audit_chain_lock(obj=entry)
            raw.execute(sql, params, prepare=True)
            rows = raw.fetchall()
    entry_id, existing_id, head_found, consumption_found, status, release_entry_id, amount_fen = rows[0][:7]
    if entry_id is None:
        # Nothing booked: say why, in the order the checks are documented.
        if not head_found:  # pragma: no cover - the head was just created and heads are never deleted
            raise AssertionError("journal_post: the audit chain's head vanished")
        if consumption is not None:
            current = None
            if consumption_found:
                current = ConsumptionRequest(
                    pk=consumption.pk, status=status, release_entry_id=release_entry_id, amount_fen=amount_fen
                )
            refusal = _release_refusal(spec, current)
            if refusal is not None:
                return refusal
        if existing_id is not None:
            return JournalEntry.objects.get(pk=existing_id)
        # A duplicate committed while we waited (its key now visible to a fresh read), an unknown account, or a
        # balance that would go below zero.
        existing = _existing(spec.idempotency_key)
        if existing is not None:
            return existing
        moves = [row[7:] for row in rows if row[7] is not None]
        if len(moves) != len(spec.deltas):
            return LedgerError(_("分录缺少记账科目。"), code="ledger_unknown_account")
        for _pk, key, balance, change in moves:
            if balance + change < 0:
                return _refuse_overdraft(key, balance, change)
        raise AssertionError("journal_post: entry not booked for no known reason")  # pragma: no cover
    _keep_callers_current(spec, {row[7]: row[9] + row[10] for row in rows})
    entry.pk = entry_id
    entry._state.adding = False
    entry._state.db = connection.alias
    if consumption is not None:
        consumption.release_entry = entry
    return _Booked(entry)


# ---------------------------------------------------------------------------------------------------- elsewhere


def _post_orm(spec: _Entry) -> _Outcome:
    existing = _existing(spec.idempotency_key)
    if existing is not None:
        return existing
    if spec.consumption is not None:
        current = ConsumptionRequest.objects.select_for_update().filter(pk=spec.consumption.pk).first()
        refusal = _release_refusal(spec, current)
        if refusal is not None:
            return refusal
    locked = {
        a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=list(spec.deltas)).order_by("pk")
    }
    if len(locked) != len(spec.deltas):
        return LedgerError(_("分录缺少记账科目。"), code="ledger_unknown_account")
    natural_change: dict[int, int] = {}
    for pk, amount in spec.deltas.items():
        account = locked[pk]
        change = _natural(account.kind, amount)
        if account.balance_fen + change < 0:
            return _refuse_overdraft(account.key, account.balance_fen, change)
        natural_change[pk] = change
    entry = _new_entry(spec)
    if spec.idempotency_key:
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            # A concurrent writer with the same key committed first: theirs is the entry.
            return JournalEntry.objects.get(idempotency_key=spec.idempotency_key)
    else:
        entry.save()
    Posting.objects.bulk_create([Posting(entry=entry, account_id=a.pk, amount_fen=amt) for a, amt in spec.lines])
    moved = {pk: change for pk, change in natural_change.items() if change}
    _add_to_balances(moved)
    _keep_callers_current(spec, {pk: locked[pk].balance_fen + natural_change[pk] for pk in locked})
    if spec.consumption is not None:
        ConsumptionRequest.objects.filter(pk=spec.consumption.pk).update(release_entry=entry)
        spec.consumption.release_entry = entry
    return _Booked(entry)


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
