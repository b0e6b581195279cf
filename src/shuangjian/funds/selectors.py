"""Reads of funds data for a person, already restricted to what they may see (out of scope → 404)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, Model, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from shuangjian.core.models import Division, User
from shuangjian.core.permissions import can, is_bank_operator, is_operator, is_parent, require
from shuangjian.core.scope import code_prefix_q, scope_q
from shuangjian.registry.models import Institution
from shuangjian.students.models import Enrolment

from . import rules as fund_rules
from .models import (
    AccountKind,
    Bank,
    BankInstruction,
    BankInstructionBatch,
    BankOperator,
    ConsumptionRequest,
    ConsumptionStatus,
    CustodyAccount,
    Discrepancy,
    EntryKind,
    FundsSnapshot,
    FundsSnapshotCounty,
    FundsSnapshotRow,
    FundsSnapshotWeek,
    InstructionKind,
    JournalEntry,
    LedgerAccount,
    ManualAdjustment,
    PaymentOrder,
    PaymentOrderStatus,
    RefundRequest,
    RefundRoute,
    RefundStatus,
    RiskDeposit,
    Statement,
)

M = TypeVar("M", bound=Model)
DIRECT_APPROVED = (RefundStatus.AGREED, RefundStatus.DEEMED_AGREED, RefundStatus.ORDERED)


def _own_enrolments_q(user: User, prefix: str = "") -> Q | None:
    """Enrolments a parent or institution operator owns; None when the role owns none."""
    if is_parent(user):
        return Q(**{f"{prefix}student__guardianships__parent": user})
    if is_operator(user):
        operated = getattr(user, "operated", None)
        if operated is None:
            return None
        return Q(**{f"{prefix}institution_id": operated.institution_id})
    return None


def operator_bank_id(user: User) -> int | None:
    """The bank a custody-bank operator works for (``BankOperator``); None for other roles or an unlinked operator.

    An operator is tied to one bank: every funds read below that involves a bank restricts a bank operator to it,
    and an operator not linked to a bank reaches nothing (404), like an institution operator without institution.
    """
    if not user.is_authenticated or not is_bank_operator(user):
        return None
    if not hasattr(user, "_funds_bank_id"):
        link = BankOperator.objects.filter(user_id=user.pk).values_list("bank_id", flat=True).first()
        user._funds_bank_id = link  # type: ignore[attr-defined]  # cached for the request
    return user._funds_bank_id  # type: ignore[attr-defined]


def _own_bank_only(user: User, qs: QuerySet[M], field: str = "bank_id") -> QuerySet[M]:
    """``qs`` limited to the operator's own bank when ``user`` is a bank operator (nothing when unlinked)."""
    if user.is_authenticated and is_bank_operator(user) and not user.is_platform_admin:
        bank_id = operator_bank_id(user)
        return qs.none() if bank_id is None else qs.filter(**{field: bank_id})
    return qs


def enrolment_payable_for_user(user: User, enrolment_id: int) -> Enrolment:
    """The enrolment a parent (guardian) or its institution's operator may create a charge for; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    if user.is_platform_admin:
        q: Q | None = Q()
    else:
        q = _own_enrolments_q(user)
    if q is None:
        raise Http404
    enrolment = Enrolment.objects.filter(q, pk=enrolment_id).select_related("institution").distinct().first()
    if enrolment is None:
        raise Http404
    return enrolment


def orders_for_user(user: User) -> QuerySet[PaymentOrder]:
    """Orders the user may see: their own (parent, institution), or by jurisdiction (fund staff, see above)."""
    qs = PaymentOrder.objects.select_related("bank", "enrolment")
    if not user.is_authenticated:
        return qs.none()
    own = _own_enrolments_q(user, prefix="enrolment__")
    if own is not None:
        return qs.filter(own).distinct()
    if not can(user, "funds.view_payment_orders"):  # school admins, grid officers: 404 by number
        return qs.none()
    scope = scope_q(user)
    return qs.none() if scope is None else _own_bank_only(user, qs.filter(scope))


def order_for_user(user: User, order_no: str) -> PaymentOrder:
    order = orders_for_user(user).filter(order_no=order_no[:40]).first()
    if order is None:
        raise Http404
    return order


def banks_for_user(user: User) -> QuerySet[Bank]:
    """Banks are city-wide reference data: staff and platform admins see them all; a bank operator their own."""
    if not user.is_authenticated or (is_parent(user) or is_operator(user)):
        return Bank.objects.none()
    return _own_bank_only(user, Bank.objects.order_by("code"), field="pk")


def custody_accounts_for_user(user: User) -> QuerySet[CustodyAccount]:
    qs = CustodyAccount.objects.select_related("institution", "bank").order_by("division_code", "institution__name")
    if not user.is_authenticated:
        return qs.none()
    if is_operator(user):
        operated = getattr(user, "operated", None)
        return qs.filter(institution_id=operated.institution_id) if operated else qs.none()
    if is_parent(user):
        return qs.none()
    scope = scope_q(user)
    return qs.none() if scope is None else _own_bank_only(user, qs.filter(scope))


def risk_deposits_for_user(user: User) -> QuerySet[RiskDeposit]:
    qs = RiskDeposit.objects.select_related("institution", "bank").order_by("-deposited_on", "-id")
    if not user.is_authenticated or (is_parent(user) or is_operator(user)):
        return qs.none()
    scope = scope_q(user)
    return qs.none() if scope is None else _own_bank_only(user, qs.filter(scope))


# ---------------------------------------------------------------------------------------------------- f2: release,
# refunds, reconciliation and the regulator view


def consumptions_for_parent(user: User) -> QuerySet[ConsumptionRequest]:
    require(user, "funds.view_own_payments")
    return (
        ConsumptionRequest.objects.filter(enrolment__student__guardianships__parent=user)
        .select_related("enrolment__student", "enrolment__class_group__course", "institution", "session")
        .distinct()
        .order_by("-requested_at", "-id")
    )


def consumption_for_parent(user: User, pk: int) -> ConsumptionRequest:
    found = consumptions_for_parent(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class EnrolmentBalance:
    enrolment: Enrolment
    balance_fen: int
    pending: int
    refundable_fen: int
    open_refund: RefundRequest | None
    direct: bool = False  # the institution holds the fees itself (no custody): refunds are paid by it directly


def parent_balances(user: User) -> list[EnrolmentBalance]:
    """The parent's prepaid balance per enrolment, with lessons awaiting confirmation and what is refundable."""
    require(user, "funds.view_own_payments")
    enrolments = list(
        Enrolment.objects.filter(student__guardianships__parent=user)
        .select_related("student", "institution", "class_group__course")
        .distinct()
        .order_by("-id")[:50]
    )
    ids = [e.pk for e in enrolments]
    balances = dict(
        LedgerAccount.objects.filter(key__in=[f"prepaid:e:{i}" for i in ids]).values_list("enrolment_id", "balance_fen")
    )
    pending: dict[int, int] = {}
    held: dict[int, int] = {}
    # Lessons not yet released (pending or disputed) stay held back from a refund; see refunds.refundable_fen.
    for row in (
        ConsumptionRequest.objects.filter(
            enrolment_id__in=ids,
            release_entry__isnull=True,
            status__in=[ConsumptionStatus.PENDING, ConsumptionStatus.DISPUTED],
        )
        .values("enrolment_id")
        .annotate(n=Count("id", filter=Q(status=ConsumptionStatus.PENDING)), total=Sum("amount_fen"))
    ):
        pending[row["enrolment_id"]] = row["n"]
        held[row["enrolment_id"]] = row["total"] or 0
    refunds: dict[int, RefundRequest] = {}
    for r in RefundRequest.objects.filter(enrolment_id__in=ids).order_by("applied_at"):
        refunds[r.enrolment_id] = r
    # Enrolments at institutions never under custody: what is refundable follows the fee, not a ledger balance
    # (the same figure as refunds.direct_refundable_fen, computed for the whole page in two queries).
    in_custody = set(
        CustodyAccount.objects.filter(institution_id__in={e.institution_id for e in enrolments}).values_list(
            "institution_id", flat=True
        )
    )
    direct_ids = [e.pk for e in enrolments if e.institution_id not in in_custody]
    used: dict[int, int] = {}
    # What was paid to the institution: its direct orders, or the fee when it has none (refunds.direct_paid_fen).
    paid_direct: dict[int, int] = {}
    if direct_ids:
        for row in (
            PaymentOrder.objects.filter(enrolment_id__in=direct_ids, bank__isnull=True)
            .values("enrolment_id")
            .annotate(total=Sum("amount_fen", filter=Q(status=PaymentOrderStatus.PAID)))
        ):
            paid_direct[row["enrolment_id"]] = row["total"] or 0
        for row in (
            ConsumptionRequest.objects.filter(enrolment_id__in=direct_ids)
            .exclude(status__in=[ConsumptionStatus.CANCELLED, ConsumptionStatus.UPHELD])
            .values("enrolment_id")
            .annotate(total=Sum("amount_fen"))
        ):
            used[row["enrolment_id"]] = row["total"] or 0
        for row in (
            RefundRequest.objects.filter(
                enrolment_id__in=direct_ids, status__in=[*DIRECT_APPROVED, RefundStatus.PAID_DIRECT]
            )
            .values("enrolment_id")
            .annotate(total=Sum("amount_fen"))
        ):
            used[row["enrolment_id"]] = used.get(row["enrolment_id"], 0) + (row["total"] or 0)
    result = []
    for e in enrolments:
        direct = e.institution_id not in in_custody
        refundable = (
            max(paid_direct.get(e.pk, e.total_fee_fen) - used.get(e.pk, 0), 0)
            if direct
            else max(balances.get(e.pk, 0) - held.get(e.pk, 0), 0)
        )
        result.append(
            EnrolmentBalance(
                enrolment=e,
                balance_fen=balances.get(e.pk, 0),
                pending=pending.get(e.pk, 0),
                refundable_fen=refundable,
                open_refund=refunds.get(e.pk),
                direct=direct,
            )
        )
    return result


def mask_account_no(account_no: str) -> str:
    """A custody account number as on a receipt: the last four digits, enough to tell accounts apart."""
    tail = account_no[-4:]
    return f"**** {tail}" if len(account_no) > 4 else account_no


@dataclass(frozen=True)
class ParentPayment:
    order: PaymentOrder
    custody: CustodyAccount | None  # the institution's custody account at the order's bank (None: not found)

    @property
    def account_masked(self) -> str:
        return mask_account_no(self.custody.account_no) if self.custody else ""


def payments_for_parent(user: User, *, limit: int = 100) -> list[ParentPayment]:
    """The parent's payment orders (paid and pending, newest first) with the custody account each is paid into."""
    require(user, "funds.view_own_payments")
    orders = list(
        PaymentOrder.objects.filter(enrolment__student__guardianships__parent=user)
        .exclude(status=PaymentOrderStatus.CANCELLED)
        .select_related("bank", "institution", "enrolment__student", "enrolment__class_group__course")
        .distinct()
        .order_by("-created_at", "-id")[:limit]
    )
    # The account at the order's bank; an active one first, else the latest (an account closed since still
    # received the money).
    accounts: dict[tuple[int, int], CustodyAccount] = {}
    for account in CustodyAccount.objects.filter(
        institution_id__in={o.institution_id for o in orders}, bank_id__in={o.bank_id for o in orders}
    ).order_by("is_active", "opened_on", "pk"):
        accounts[(account.institution_id, account.bank_id)] = account
    return [
        ParentPayment(order=o, custody=accounts.get((o.institution_id, o.bank_id)) if o.bank_id else None)
        for o in orders
    ]


def parent_enrolment(user: User, enrolment_id: int) -> Enrolment:
    require(user, "funds.view_own_payments")
    found = Enrolment.objects.filter(student__guardianships__parent=user, pk=enrolment_id).distinct().first()
    if found is None:
        raise Http404
    return found


def refund_for_parent(user: User, pk: int) -> RefundRequest:
    """A refund of one of the parent's children; 404 otherwise."""
    require(user, "funds.view_own_payments")
    found = RefundRequest.objects.filter(enrolment__student__guardianships__parent=user, pk=pk).distinct().first()
    if found is None:
        raise Http404
    return found


def _operated_institution_id(user: User) -> int:
    if not is_operator(user):
        raise Http404
    operated = getattr(user, "operated", None)
    if operated is None:
        raise Http404
    return int(operated.institution_id)


def refunds_for_institution(user: User) -> QuerySet[RefundRequest]:
    return (
        RefundRequest.objects.filter(institution_id=_operated_institution_id(user))
        .select_related("enrolment__student", "applied_by")
        .order_by("status", "-applied_at")
    )


def direct_orders_for_institution(user: User) -> QuerySet[PaymentOrder]:
    """Pending orders a risk-deposit institution collects itself (no bank), oldest first."""
    return (
        PaymentOrder.objects.filter(
            institution_id=_operated_institution_id(user), bank__isnull=True, status=PaymentOrderStatus.PENDING
        )
        .select_related("enrolment__student", "enrolment__class_group__course")
        .order_by("created_at", "pk")
    )


def direct_order_for_institution(user: User, order_no: str) -> PaymentOrder:
    found = direct_orders_for_institution(user).filter(order_no=order_no[:40]).first()
    if found is None:
        raise Http404
    return found


def refund_for_institution(user: User, pk: int) -> RefundRequest:
    found = refunds_for_institution(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def released_for_institution(user: User) -> tuple[int, QuerySet[BankInstruction]]:
    """Released money not yet paid out, and the institution's payout instructions."""
    inst_id = _operated_institution_id(user)
    settled = (
        LedgerAccount.objects.filter(key=f"settled:i:{inst_id}").values_list("balance_fen", flat=True).first() or 0
    )
    instructions = BankInstruction.objects.filter(institution_id=inst_id, kind=InstructionKind.RELEASE).order_by(
        "-created_at"
    )
    return settled, instructions


def _staff_scope(user: User) -> Q:
    require(user, "funds.supervise")
    scope = scope_q(user)
    if scope is None:
        raise Http404
    return scope


def disputes_for_regulator(user: User) -> QuerySet[ConsumptionRequest]:
    return (
        ConsumptionRequest.objects.filter(_staff_scope(user), status=ConsumptionStatus.DISPUTED)
        .select_related("enrolment__student", "institution", "session")
        .order_by("answered_at", "id")
    )


def dispute_for_regulator(user: User, pk: int) -> ConsumptionRequest:
    found = disputes_for_regulator(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def refunds_for_regulator(user: User) -> QuerySet[RefundRequest]:
    return (
        RefundRequest.objects.filter(_staff_scope(user))
        .select_related("enrolment__student", "institution")
        .order_by("-applied_at", "-id")
    )


def refund_for_regulator(user: User, pk: int) -> RefundRequest:
    found = refunds_for_regulator(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def batches_for_bank(user: User) -> QuerySet[BankInstructionBatch]:
    """Instruction batches of the operator's own bank (all banks for platform admins)."""
    require(user, "funds.operate_bank")
    return _own_bank_only(user, BankInstructionBatch.objects.select_related("bank").order_by("-created_at", "-id"))


def batch_for_bank(user: User, pk: int) -> BankInstructionBatch:
    found = batches_for_bank(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def discrepancies_for_user(user: User) -> QuerySet[Discrepancy]:
    """Reconciliation cases a person may see and work on.

    * Platform admins: all. Bank operators: every case of their own bank, attributed or not.
    * Regulators: cases of institutions in their jurisdiction, and *unattributed* cases (a statement line whose
      account matches no custody account: no institution, blank division) of every bank whose service division
      (``Bank.division_code``) lies inside their jurisdiction. Unattributed money is the bank's, so it belongs to
      whoever supervises the area that bank serves: the county's regulators for a county branch (410202), the
      city's for a city-wide branch (4102), which is where the custody agreement with the bank is signed. A
      county regulator does not see a city-wide bank's unattributed cases: the money may belong to any county.
      A bank with no service division yet leaves its unattributed cases to platform admins and its operators.
    """
    require(user, "funds.reconcile")
    qs = Discrepancy.objects.select_related("bank", "institution").order_by("status", "-business_date", "id")
    if user.is_platform_admin:
        return qs
    if is_bank_operator(user):
        return _own_bank_only(user, qs)
    scope = _staff_scope(user)
    reach = user.scope_code
    unattributed = Q(division_code="", bank__division_code__startswith=reach) & ~Q(bank__division_code="")
    return qs.filter(scope | unattributed)


def discrepancy_for_user(user: User, pk: int) -> Discrepancy:
    found = discrepancies_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def adjustment_for_user(user: User, pk: int) -> ManualAdjustment:
    found = (
        ManualAdjustment.objects.filter(discrepancy__in=discrepancies_for_user(user), pk=pk)
        .select_related("discrepancy")
        .first()
    )
    if found is None:
        raise Http404
    return found


def statements_for_user(user: User) -> QuerySet[Statement]:
    """Statements of every bank for regulators (they reconcile for their area), of their own bank for operators."""
    require(user, "funds.reconcile")
    return _own_bank_only(user, Statement.objects.select_related("bank").order_by("-statement_date", "-id"))


# ---------------------------------------------------------------------------------------------------- regulator view

# A heuristic, not a rule: money in this week above this multiple of the trailing weekly average flags a pre-sale
# spike (the fear is an institution collecting a lot before vanishing). Shown as "疑似突击预收", never enforced.
SPIKE_MULTIPLE = 3
SPIKE_TRAILING_WEEKS = 8


@dataclass
class InstitutionFunds:
    institution_id: int
    name: str
    division_code: str
    custody_fen: int = 0
    prepaid_fen: int = 0
    expected_prepaid_fen: int = 0
    pending_confirmations: int = 0
    overdue_refunds: int = 0
    week_in_fen: int = 0
    trailing_avg_fen: int = 0
    deposit_fen: int = 0  # what is left of its risk deposit
    deposit_covered_fen: int = 0  # the prepaid money that deposit covers (deposit ÷ share)

    @property
    def coverage_percent(self) -> int | None:
        """Custody money plus what the risk deposit covers, against unconsumed prepaid fees."""
        if self.expected_prepaid_fen <= 0:
            return None
        return round((self.custody_fen + self.deposit_covered_fen) * 100 / self.expected_prepaid_fen)

    @property
    def outside_custody(self) -> bool:
        """Prepaid fees neither in custody nor covered by a deposit."""
        return self.expected_prepaid_fen > self.custody_fen + self.deposit_covered_fen

    @property
    def spike(self) -> bool:
        return self.trailing_avg_fen > 0 and self.week_in_fen > SPIKE_MULTIPLE * self.trailing_avg_fen


@dataclass
class CountyFunds:
    division_code: str
    name: str
    custody_fen: int = 0
    prepaid_fen: int = 0
    expected_prepaid_fen: int = 0
    pending_confirmations: int = 0
    overdue_refunds: int = 0
    institutions: int = 0
    flagged: int = 0
    deposit_fen: int = 0
    deposit_covered_fen: int = 0


@dataclass
class FundsOverview:
    institutions: list[InstitutionFunds]
    counties: list[CountyFunds]
    weeks: list[str]
    weekly_in_fen: list[int]


def _overview_figures(
    scope: Q, today: datetime.date
) -> tuple[dict[int, InstitutionFunds], dict[tuple[str, int], int], datetime.date]:
    """Every institution's figures among the funds rows ``scope`` selects, and the money paid in per (county, week)
    of the chart (week 0 starts ``since``, the returned date). The one computation behind the live overview and
    the snapshot the page reads (``overview.funds_overview_refresh``)."""
    rows: dict[int, InstitutionFunds] = {}

    def row(inst_id: int) -> InstitutionFunds:
        if inst_id not in rows:
            rows[inst_id] = InstitutionFunds(inst_id, "", "")
        return rows[inst_id]

    # A risk deposit's ledger pair (keys ``deposit:…``) is not custody money: it is counted as the deposit.
    accounts = (
        LedgerAccount.objects.filter(scope, institution__isnull=False)
        .exclude(key__startswith="deposit:")
        .values("institution_id", "kind")
        .annotate(total=Sum("balance_fen"))
    )
    deposits = dict(
        LedgerAccount.objects.filter(scope, key__startswith="deposit:cash:").values_list(
            "institution_id", "balance_fen"
        )
    )
    shares = dict(
        RiskDeposit.objects.filter(scope, is_active=True)
        .order_by("deposited_on", "pk")
        .values_list("institution_id", "required_share_bp")
    )
    for inst_id, share in shares.items():
        r = row(inst_id)
        r.deposit_fen = deposits.get(inst_id, 0)
        r.deposit_covered_fen = fund_rules.deposit_covered_fen(
            r.deposit_fen, share or fund_rules.risk_deposit_share_bp()
        )
    for a in accounts:
        r = row(a["institution_id"])
        if a["kind"] == AccountKind.CUSTODY_CASH:
            r.custody_fen += a["total"] or 0
        elif a["kind"] == AccountKind.PARENT_PREPAID:
            r.prepaid_fen += a["total"] or 0
    fees = (
        Enrolment.objects.filter(scope, status="active", total_fee_fen__gt=0)
        .values("institution_id")
        .annotate(total=Sum("total_fee_fen"))
    )
    for f in fees:
        row(f["institution_id"]).expected_prepaid_fen += f["total"] or 0
    consumed = (
        ConsumptionRequest.objects.filter(scope)
        .exclude(status__in=[ConsumptionStatus.UPHELD, ConsumptionStatus.CANCELLED])
        .values("institution_id")
        .annotate(total=Sum("amount_fen"), pending=Count("id", filter=Q(status=ConsumptionStatus.PENDING)))
    )
    for c in consumed:
        r = row(c["institution_id"])
        r.expected_prepaid_fen -= c["total"] or 0
        r.pending_confirmations = c["pending"]
    # Custody refunds count once booked as owed; direct ones (no ledger entry) once approved or paid.
    direct_done = [*DIRECT_APPROVED, RefundStatus.PAID_DIRECT]
    approved_refunds = (
        RefundRequest.objects.filter(scope)
        .filter(Q(approve_entry__isnull=False) | Q(route=RefundRoute.DIRECT, status__in=direct_done))
        .values("institution_id")
        .annotate(total=Sum("amount_fen"))
    )
    for f in approved_refunds:
        row(f["institution_id"]).expected_prepaid_fen -= f["total"] or 0
    refunded = (
        (RefundRequest.objects.filter(scope).exclude(status__in=["paid", "paid_direct", "refused", "cancelled"]))
        .filter(reply_due_date__lt=today)
        .values("institution_id")
        .annotate(n=Count("id"))
    )
    for f in refunded:
        row(f["institution_id"]).overdue_refunds = f["n"]
    week_start = today - datetime.timedelta(days=today.weekday())
    since = week_start - datetime.timedelta(weeks=SPIKE_TRAILING_WEEKS)
    money_in = (
        JournalEntry.objects.filter(scope, kind=EntryKind.PAYMENT_IN, business_date__gte=since)
        .values("institution_id", "business_date", "division_code")
        .annotate(total=Sum("postings__amount_fen", filter=Q(postings__account__kind=AccountKind.CUSTODY_CASH)))
    )
    weekly: dict[tuple[str, int], int] = {}
    for m in money_in:
        week = (m["business_date"] - since).days // 7
        key = (m["division_code"], week)
        weekly[key] = weekly.get(key, 0) + (m["total"] or 0)
        if m["institution_id"] is None:
            continue
        r = row(m["institution_id"])
        if m["business_date"] >= week_start:
            r.week_in_fen += m["total"] or 0
        else:
            r.trailing_avg_fen += m["total"] or 0
    for r in rows.values():
        r.trailing_avg_fen //= SPIKE_TRAILING_WEEKS
        r.expected_prepaid_fen = max(r.expected_prepaid_fen, 0)
    names = Institution.objects.filter(pk__in=list(rows)).values_list("pk", "name", "division_code")
    for pk, name, code in names:
        rows[pk].name = name
        rows[pk].division_code = code
    return rows, weekly, since


def overview_order_key(r: InstitutionFunds) -> tuple[bool, int, str]:
    """The page's order: flagged institutions first, then the lowest coverage, then by name."""
    return (not r.outside_custody and not r.spike, r.coverage_percent or 999, r.name)


def county_totals(institutions: list[InstitutionFunds], county_names: dict[str, str]) -> list[CountyFunds]:
    """Each county's sums over its institutions' rows, by division code."""
    counties: dict[str, CountyFunds] = {}
    for r in institutions:
        county = counties.setdefault(
            r.division_code, CountyFunds(r.division_code, county_names.get(r.division_code, ""))
        )
        county.custody_fen += r.custody_fen
        county.deposit_fen += r.deposit_fen
        county.deposit_covered_fen += r.deposit_covered_fen
        county.prepaid_fen += r.prepaid_fen
        county.expected_prepaid_fen += r.expected_prepaid_fen
        county.pending_confirmations += r.pending_confirmations
        county.overdue_refunds += r.overdue_refunds
        county.institutions += 1
        county.flagged += int(r.outside_custody or r.spike)
    return sorted(counties.values(), key=lambda c: c.division_code)


def overview_weeks(since: datetime.date) -> list[str]:
    return [(since + datetime.timedelta(weeks=w)).isoformat() for w in range(SPIKE_TRAILING_WEEKS + 1)]


def funds_overview(user: User, *, today: datetime.date | None = None, division: str = "") -> FundsOverview:
    """Per institution and county in the regulator's jurisdiction: custody cash, prepaid owed to parents, coverage
    (unconsumed enrolment fees against custody cash), pending confirmations, overdue refunds, pre-sale spikes.

    Computed now over every row in reach (linear in the jurisdiction's data): the page reads the same figures from
    the latest snapshot instead (``funds_overview_snapshot``); this is the live computation the snapshot is
    checked against."""
    scope = _staff_scope(user)
    if division:
        scope &= code_prefix_q("division_code", division)
    rows, weekly, since = _overview_figures(scope, today or timezone.localdate())
    institutions = sorted(rows.values(), key=overview_order_key)
    county_names = dict(
        Division.objects.filter(code__in={r.division_code for r in institutions}).values_list("code", "name")
    )
    by_week: dict[int, int] = {}
    for (_code, week), total in weekly.items():
        by_week[week] = by_week.get(week, 0) + total
    return FundsOverview(
        institutions=institutions,
        counties=county_totals(institutions, county_names),
        weeks=overview_weeks(since),
        weekly_in_fen=[by_week.get(w, 0) for w in range(SPIKE_TRAILING_WEEKS + 1)],
    )


@dataclass
class FundsOverviewSnapshot:
    """The page's figures from the latest snapshot, in the viewer's scope: every county's totals and the chart
    (a few rows per county), and the institutions as a queryset to page through (``institution_count`` rows)."""

    snapshot: FundsSnapshot | None
    counties: list[FundsSnapshotCounty]
    institutions: QuerySet[FundsSnapshotRow]
    institution_count: int
    weeks: list[str]
    weekly_in_fen: list[int]


def latest_funds_snapshot() -> FundsSnapshot | None:
    return FundsSnapshot.objects.filter(complete=True).order_by("-computed_at", "-pk").first()


def funds_overview_snapshot(user: User, *, division: str = "") -> FundsOverviewSnapshot:
    """The regulator view from the latest snapshot (see ``FundsSnapshot``), restricted to the viewer's jurisdiction
    (and to ``division`` inside it). Its cost follows the number of counties and the page size, not the data."""
    scope = _staff_scope(user)
    if division:
        scope &= code_prefix_q("division_code", division)
    snapshot = latest_funds_snapshot()
    if snapshot is None:
        return FundsOverviewSnapshot(None, [], FundsSnapshotRow.objects.none(), 0, [], [])
    counties = list(FundsSnapshotCounty.objects.filter(scope, snapshot=snapshot).order_by("division_code"))
    by_week = dict(
        FundsSnapshotWeek.objects.filter(scope, snapshot=snapshot)
        .values("week")
        .annotate(total=Sum("total_fen"))
        .values_list("week", "total")
    )
    week_start = snapshot.as_of - datetime.timedelta(days=snapshot.as_of.weekday())
    since = week_start - datetime.timedelta(weeks=SPIKE_TRAILING_WEEKS)
    return FundsOverviewSnapshot(
        snapshot=snapshot,
        counties=counties,
        institutions=FundsSnapshotRow.objects.filter(scope, snapshot=snapshot).order_by(
            "flag_rank", "coverage_rank", "name", "id"
        ),
        institution_count=sum(c.institutions for c in counties),
        weeks=overview_weeks(since),
        weekly_in_fen=[int(by_week.get(w) or 0) for w in range(SPIKE_TRAILING_WEEKS + 1)],
    )
