"""The ledger's typical entries by name (payment in, release, payout, refund ...), each one ``journal_post``."""

from __future__ import annotations

import datetime

from shuangjian.core.models import User
from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from ..models import Bank, ConsumptionRequest, EntryKind, JournalEntry, LedgerAccount
from .accounts import (
    account_bank_unallocated_cash,
    account_custody_cash,
    account_for_parent_enrolment,
    account_institution_settled,
    account_refunds_payable,
    account_suspense,
)
from .post import journal_post


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
    accounts: tuple[LedgerAccount, LedgerAccount] | None = None,
) -> JournalEntry:
    """A parent's payment arrived in custody: Dr custody cash (institution), Cr the parent's prepaid balance.

    ``business_date``: the day the bank received the money (default today), the day its statement will show it.
    ``accounts``: the institution's custody cash and the enrolment's prepaid account, when the caller has read them
    already (the bank webhook reads them with the order, in one query); looked up (or created) here otherwise.
    """
    institution = enrolment.institution
    cash, prepaid = accounts if accounts is not None else _payment_accounts(institution, enrolment)
    return journal_post(
        actor=actor,
        kind=EntryKind.PAYMENT_IN,
        lines=[(cash, amount_fen), (prepaid, -amount_fen)],
        reference=reference,
        bank=bank,
        bank_reference=bank_reference,
        institution=institution,
        enrolment=enrolment,
        idempotency_key=idempotency_key,
        business_date=business_date,
    )


def _payment_accounts(institution: Institution, enrolment: Enrolment) -> tuple[LedgerAccount, LedgerAccount]:
    """The institution's custody cash and the enrolment's prepaid account: one query when both exist (every
    payment after the first), created on first use otherwise."""
    keys = (f"cash:i:{institution.pk}", f"prepaid:e:{enrolment.pk}")
    found = {a.key: a for a in LedgerAccount.objects.filter(key__in=keys)}
    cash = found.get(keys[0]) or account_custody_cash(institution)
    prepaid = found.get(keys[1]) or account_for_parent_enrolment(enrolment)
    return cash, prepaid


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
