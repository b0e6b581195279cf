"""Funds' part of the demo city (after students, step 40): a custody bank, custody accounts, payments through the
simulated bank's signed HTTP path, confirmed/disputed/auto-confirmed lessons, releases and refunds executed by the
bank, and today's statement with a few differences to reconcile.

Payments carry weeks of history: each is made on its own day over the past eight weeks (the demo runs the order and
the bank's notification "as of" that day, so the order, the notification and the ledger entry all carry it), and one
Longting institution collects most of its fees this week, so the regulator view shows a pre-sale spike.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from unittest import mock

from django.test import Client
from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import Role, User
from shuangjian.core.rules import RuleViolationError
from shuangjian.registry.models import Institution, InstitutionOperator, SupervisionMode
from shuangjian.students.models import Enrolment, EnrolmentStatus

from . import refunds, release, rules, services
from .banks.simulated import SimulatedBank, StatementLineData, render_statement
from .models import Bank, BankOperator, ConsumptionRequest, ConsumptionStatus, CustodyAccount, RefundRequest
from .reconcile import statement_import

BANK_CODE = "kfbank"


# Weeks of payment history before this week; the spike institution's one earlier payment lies this many weeks back.
HISTORY_WEEKS = 8
SPIKE_EARLIER_WEEKS = 5


@contextlib.contextmanager
def _as_of(day: datetime.date) -> Iterator[None]:
    """Run demo writes as if it were ``day`` (at 10:00 local time): Django's clock is moved, nothing else is.

    Only for building demo history through the real services and HTTP path; the request's signature timestamp
    is checked against the real clock, which is not moved.
    """
    if day == timezone.localdate():
        yield
        return
    moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _payment_days(enrolments: list[Enrolment], *, spike: int | None, today: datetime.date) -> dict[int, datetime.date]:
    """The day each enrolment is paid: spread over the past ``HISTORY_WEEKS`` weeks (never this week), except at
    the spike institution, which took one payment ``SPIKE_EARLIER_WEEKS`` weeks ago and all the others this week."""
    week_start = today - datetime.timedelta(days=today.weekday())
    days: dict[int, datetime.date] = {}
    seen_spike = 0
    for n, e in enumerate(enrolments):
        if e.institution_id == spike:
            back = SPIKE_EARLIER_WEEKS if seen_spike == 0 else 0
            seen_spike += 1
            earlier = week_start - datetime.timedelta(weeks=back) + datetime.timedelta(days=1)
            days[e.pk] = today if back == 0 else earlier
        else:
            back = 1 + n % HISTORY_WEEKS
            days[e.pk] = week_start - datetime.timedelta(weeks=back) + datetime.timedelta(days=n % 5)
    return days


def _parent_of(enrolment: Enrolment) -> User | None:
    link = enrolment.student.guardianships.select_related("parent").first()
    return link.parent if link else None


def _supervision_plan(ctx: DemoContext, *, teaching: set[int], deposit: set[int]) -> tuple[list[int], list[int]]:
    """Which institutions get a custody account and which a risk deposit. Institutions with enrolments are under
    custody (except ``deposit``); the others follow the mode the registry step planned for them (none for an
    unlicensed one). The registry's ``supervision_mode`` then follows from these records, set by the services."""
    plan: dict[int, str] = ctx.shared.get("supervision_plan", {})
    planned_custody = {pk for pk, m in plan.items() if m == SupervisionMode.BANK_CUSTODY}
    planned_deposit = {pk for pk, m in plan.items() if m == SupervisionMode.RISK_DEPOSIT} - teaching
    return sorted((teaching | planned_custody) - deposit), sorted(deposit | planned_deposit)


@register_demo_step(60, "funds.custody")
def build_funds(ctx: DemoContext) -> None:
    operator = User.objects.filter(username="kf_bank", role=Role.BANK_OPERATOR).first()
    existing = Bank.objects.filter(code=BANK_CODE).first()
    if existing is not None:
        # Demo databases built before bank operators were tied to a bank get kf_bank's link on the next run.
        if operator is not None and not BankOperator.objects.filter(user=operator).exists():
            services.bank_operator_link(actor=None, user=operator, bank=existing)
        ctx.log("资金：已有示范托管银行，跳过")
        return
    # The branch serves the whole city: cases it cannot attribute to an institution go to the city's regulators.
    bank = services.bank_create(actor=None, code=BANK_CODE, name="示范银行开封分行", division_code=PRIMARY_COUNTY[:4])
    if operator is not None:
        services.bank_operator_link(actor=None, user=operator, bank=bank)
    enrolments = list(
        Enrolment.objects.filter(division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY), status=EnrolmentStatus.ACTIVE)
        .select_related("institution", "student")
        .order_by("pk")
    )
    institutions = sorted({e.institution_id for e in enrolments})
    if not institutions:
        ctx.log("资金：没有在读报名，跳过")
        return
    # One institution per county is under a risk deposit instead of custody: it collects its fees itself (within
    # what its deposit covers), so its refunds are paid by the institution directly.
    by_county: dict[str, list[int]] = {}
    for e in enrolments:
        if e.institution_id not in by_county.setdefault(e.division_code, []):
            by_county[e.division_code].append(e.institution_id)
    outside = {ids[-1] for ids in by_county.values() if len(ids) > 2}
    custody, deposit = _supervision_plan(ctx, teaching=set(institutions), deposit=outside)
    share = rules.risk_deposit_share_bp()
    fees: dict[int, int] = {}
    for e in enrolments:
        fees[e.institution_id] = fees.get(e.institution_id, 0) + e.total_fee_fen
    for n, inst in enumerate(Institution.objects.filter(pk__in=custody).order_by("pk")):
        services.custody_account_open(
            actor=None,
            institution=inst,
            bank=bank,
            account_no=f"41020{n:011d}",
            opened_on=datetime.date(2026, 1, 5),
            settlement_account_no=f"4105010{n:09d}",
            settlement_bank_name=("中国工商银行开封分行", "中国建设银行开封分行", "中国农业银行开封分行")[n % 3],
        )
    for inst in Institution.objects.filter(pk__in=deposit).order_by("pk"):
        # Enough to cover the fees already agreed, rounded up to ten thousand yuan; 50,000 yuan at the least.
        needed = max(fees.get(inst.pk, 0) * share // 10_000, 5_000_000)
        services.risk_deposit_record(
            actor=None,
            institution=inst,
            amount_fen=-(-needed // 1_000_000) * 1_000_000,
            required_share_bp=share,
            deposited_on=datetime.date(2026, 1, 5),
            bank=bank,
        )
    sim = SimulatedBank(bank)
    client = Client()
    today = timezone.localdate()
    payable = [e for e in enrolments if e.institution_id not in outside and e.price_per_lesson_fen > 0]
    # The spike: the Longting institution under custody with the most enrolments (at least three, so that this
    # week's money is several times its one earlier payment).
    per_institution: dict[int, int] = {}
    for e in payable:
        if e.division_code == PRIMARY_COUNTY:
            per_institution[e.institution_id] = per_institution.get(e.institution_id, 0) + 1
    spike = max(per_institution, key=lambda i: (per_institution[i], -i), default=None)
    if spike is not None and per_institution[spike] < 3:
        spike = None
    days = _payment_days(payable, spike=spike, today=today)
    paid = refused = 0
    for enrolment in payable:
        caps = rules.FeeCaps.from_settings()
        hours = min(enrolment.lessons_bought, caps.max_class_hours, caps.max_fen // enrolment.price_per_lesson_fen)
        day = days[enrolment.pk]
        with _as_of(day):
            try:
                order = services.payment_order_create(
                    actor=_parent_of(enrolment),
                    enrolment=enrolment,
                    class_hours=hours,
                    period_start=day,
                    period_end=day + datetime.timedelta(days=80),
                    today=day,
                )
            except RuleViolationError:
                refused += 1
                continue
            if sim.pay(order, client=client).status == 200:
                paid += 1

    # Deposit institutions collect their fees themselves, within what the deposit covers: orders without a bank,
    # the institution records each receipt; the last one per institution stays pending (its parent sees how to pay).
    direct_paid = direct_pending = 0
    operator_of = {
        link.institution_id: link.user
        for link in InstitutionOperator.objects.select_related("user").filter(institution_id__in=outside)
    }
    for n, enrolment in enumerate(e for e in enrolments if e.institution_id in outside and e.price_per_lesson_fen > 0):
        caps = rules.FeeCaps.from_settings()
        hours = min(enrolment.lessons_bought, caps.max_class_hours, caps.max_fen // enrolment.price_per_lesson_fen)
        try:
            order = services.payment_order_create(
                actor=_parent_of(enrolment),
                enrolment=enrolment,
                class_hours=hours,
                period_start=today,
                period_end=today + datetime.timedelta(days=80),
                today=today,
            )
        except RuleViolationError:
            continue
        operator_user = operator_of.get(enrolment.institution_id)
        if operator_user is not None and n % 4 != 3:
            services.payment_order_record_direct(actor=operator_user, order=order, reference=f"SJ{order.pk:08d}")
            direct_paid += 1
        else:
            direct_pending += 1

    # Lessons: the students step recorded attendance; parents answer most, a few dispute, the rest wait.
    pending = list(
        ConsumptionRequest.objects.filter(status=ConsumptionStatus.PENDING)
        .exclude(institution_id__in=outside)
        .select_related("enrolment__student")
        .order_by("pk")
    )
    demo_parent = User.objects.filter(username="parent").first()
    confirmed = disputed = 0
    for n, request in enumerate(pending):
        parent = _parent_of(request.enrolment)
        if parent is None or (parent == demo_parent and n % 3 == 0):
            continue  # the demo parent keeps some lessons to confirm on their page
        if n % 17 == 5:
            release.consumption_dispute(actor=parent, request=request, reason="孩子当天请假，未到课")
            disputed += 1
        elif n % 5 != 0:
            release.consumption_confirm(actor=parent, request=request)
            confirmed += 1
    auto = release.consumption_auto_confirm_due(today=today + datetime.timedelta(days=1))

    # Refunds: one agreed, one refused (then ordered by the regulator), one awaiting the institution.
    refund_rows: list[RefundRequest] = []
    for enrolment in enrolments[3::11]:
        parent = _parent_of(enrolment)
        if parent is None or enrolment.institution_id in outside or len(refund_rows) >= 3:
            continue
        try:
            refund_rows.append(refunds.refund_apply(actor=parent, enrolment=enrolment, reason="孩子转学，申请退费"))
        except RuleViolationError:
            continue
    operators = {
        link.institution_id: link.user
        for link in InstitutionOperator.objects.select_related("user").filter(
            institution_id__in=[r.institution_id for r in refund_rows]
        )
    }
    regulator = User.objects.filter(username="lt_edu").first() or User.objects.filter(role=Role.REGULATOR).first()
    for n, refund in enumerate(refund_rows):
        operator = operators.get(refund.institution_id)
        if operator is None:
            continue
        if n == 0:
            refunds.refund_agree(actor=operator, refund=refund)
        elif n == 1:
            refunds.refund_refuse(actor=operator, refund=refund, reason="课程已过半，不同意退费")
            if regulator is not None and refund.division_code.startswith(regulator.scope_code):
                refunds.refund_order(actor=regulator, refund=refund)

    # At a Longting institution outside custody the fees never reached the bank: an agreed refund is owed by the
    # institution itself until it records paying the parent back (shown to the regulator meanwhile).
    direct = 0
    for enrolment in enrolments:
        if enrolment.institution_id not in outside or enrolment.division_code != PRIMARY_COUNTY:
            continue
        parent = _parent_of(enrolment)
        link = InstitutionOperator.objects.select_related("user").filter(institution_id=enrolment.institution_id)
        operator_link = link.first()
        if parent is None or operator_link is None:
            continue
        try:
            refund = refunds.refund_apply(actor=parent, enrolment=enrolment, reason="机构停课，申请退费")
        except RuleViolationError:
            continue
        refunds.refund_agree(actor=operator_link.user, refund=refund)
        direct += 1
        break

    # The bank pays out released money and refunds.
    executed = 0
    for batch in (
        release.release_batch_create(actor=None, bank=bank),
        refunds.refund_batch_create(actor=None, bank=bank),
    ):
        if batch is not None:
            executed += release.instruction_batch_execute_simulated(actor=None, batch=batch)

    # Today's statement with three differences: one payment missing at the bank, one amount altered, one unknown.
    lines = sim.statement_lines(today)
    inbound = [line.bank_reference for line in lines if line.amount_fen > 0]
    drop = inbound[:1]
    alter = (
        {inbound[1]: next(x.amount_fen for x in lines if x.bank_reference == inbound[1]) + 100}
        if len(inbound) > 1
        else {}
    )
    account = CustodyAccount.objects.filter(bank=bank).order_by("pk").first()
    # Two lines the platform never heard of: one into a known custody account, one into an account number the
    # platform does not know (no institution: an unattributed case, for the city's regulators and the bank).
    known_account = account.account_no if account else ""
    extra = [
        StatementLineData("KFBANKUNKNOWN0001", today, 88_800, known_account, "王某", "现金存入"),
        StatementLineData("KFBANKUNKNOWN0002", today, 12_000, "41029999999999999", "李某", "转账存入"),
    ]
    content = render_statement(sim.statement_lines(today, drop=drop, alter=alter, extra=extra), "csv")
    result = statement_import(
        actor=User.objects.filter(username="kf_bank").first(),
        bank=bank,
        content=content,
        file_name=f"kfbank-{today:%Y%m%d}.csv",
        statement_date=today,
    )
    ctx.log(
        f"资金：托管账户 {len(custody)} 个，风险保证金 {len(deposit)} 笔，缴费 {paid} 笔，"
        f"保证金机构直接收费 {direct_paid} 笔（待缴 {direct_pending}）"
        f"（超限拒绝 {refused}），确认消课 {confirmed}、自动确认 {auto}、异议 {disputed}，"
        f"退费申请 {len(refund_rows) + direct}（机构直接退还 {direct}），"
        f"银行执行指令 {executed} 条；对账 {result.lines} 行，匹配 {result.matched}，差异 {result.discrepancies}"
    )
