"""Ledger accounts: one row per (kind, owner), created on first use, and the ledger's basic types."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from ..models import AccountKind, Bank, LedgerAccount

# A posting larger than this is refused as a typo rather than booked: 100 million yuan in one line.
MAX_POSTING_FEN = 100_000_000 * 100

Line = tuple[LedgerAccount, int]


class LedgerError(ValidationError):
    """A post the ledger refuses; ``code`` is stable (``ledger_unbalanced``, ``ledger_insufficient`` ...)."""


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
