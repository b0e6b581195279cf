"""Read-only checks: totals per account kind and every way the ledger could be inconsistent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from shuangjian.registry.models import Institution

from ..models import (
    CONFIRMED_CONSUMPTION,
    AccountKind,
    ConsumptionRequest,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Posting,
)
from .post import _natural


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
