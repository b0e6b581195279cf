"""One balanced entry at a time: ``journal_post``, the path every release and single booking takes."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
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
