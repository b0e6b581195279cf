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

Concurrency: ``journal_post`` and ``journal_post_batch`` first lock the head of the audit chain their event joins
(the institution's for a post, the global chain for a batch), then every touched account row (``FOR UPDATE``) in
primary-key order, so two writers never wait on each other in opposite orders, and a service that audits before
it posts (same chain head first, then accounts) cannot deadlock against them; posts of different institutions do
not wait on each other at all. Callers that lock other rows (a consumption request, an order) should do so before
calling ``journal_post`` and always in the same order. An idempotency key is decided by its unique index, not by a
lock.

Modules: ``accounts`` (account lookup and creation, ``LedgerError``), ``post`` (``journal_post``, one entry),
``batch`` (``journal_post_batch``, the COPY engine, and ``batch_digest``), ``operations`` (the typical entries
above by name), ``checks`` (``ledger_totals``, ``ledger_invariant_problems``). Import from the package:
``from shuangjian.funds import ledger; ledger.journal_post(...)``.
"""

from .accounts import (
    MAX_POSTING_FEN,
    LedgerError,
    Line,
    account_bank_unallocated_cash,
    account_by_key,
    account_custody_cash,
    account_for_parent_enrolment,
    account_institution_settled,
    account_refunds_payable,
    account_suspense,
)
from .batch import EntrySpec, batch_digest, journal_post_batch
from .checks import LedgerTotals, ledger_invariant_problems, ledger_totals
from .operations import (
    post_payment_in,
    post_payout,
    post_refund_approve,
    post_refund_paid,
    post_release,
    post_suspense_allocate,
    post_suspense_in,
)
from .post import journal_post, validate_lines

__all__ = [
    "MAX_POSTING_FEN",
    "EntrySpec",
    "LedgerError",
    "LedgerTotals",
    "Line",
    "account_bank_unallocated_cash",
    "account_by_key",
    "account_custody_cash",
    "account_for_parent_enrolment",
    "account_institution_settled",
    "account_refunds_payable",
    "account_suspense",
    "batch_digest",
    "journal_post",
    "journal_post_batch",
    "ledger_invariant_problems",
    "ledger_totals",
    "post_payment_in",
    "post_payout",
    "post_refund_approve",
    "post_refund_paid",
    "post_release",
    "post_suspense_allocate",
    "post_suspense_in",
    "validate_lines",
]
