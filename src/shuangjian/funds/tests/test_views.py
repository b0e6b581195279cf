"""Pages: parent confirm/dispute/refund, institution answers, bank batches, reconciliation, regulator view; scope."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shuangjian.core.models import Role
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.students.models import Guardianship

from .. import ledger, refunds, release, selectors
from ..banks.simulated import StatementLineData, render_statement
from ..models import (
    AdjustmentStatus,
    BankInstructionBatch,
    BankOperator,
    ConsumptionRequest,
    ConsumptionStatus,
    CustodyAccount,
    Discrepancy,
    ManualAdjustment,
    RefundRequest,
    RefundStatus,
    Statement,
)
from .conftest import World
from .factories import EnrolmentFactory, operator_of, parent_of
from .test_release import attend, pay

pytestmark = pytest.mark.django_db


def lesson(world: World, day: int = 2) -> ConsumptionRequest:
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, day)))
    assert request is not None
    return request


def test_parent_confirms_and_disputes_on_their_page(
    world: World, client: Client, django_assert_max_num_queries: object
) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    one, two = lesson(world, 2), lesson(world, 3)
    for _ in range(3):  # more enrolments must not mean more queries
        other = EnrolmentFactory.create(class_group=world.enrolment.class_group)
        Guardianship.objects.create(parent=parent, student=other.student)
    client.force_login(parent)
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        page = client.get("/funds/my/").content.decode()
    assert "确认已上课" in page and "500.00" in page and "申请退费 ¥300.00" in page
    assert client.post(f"/funds/my/lessons/{one.pk}/confirm/").status_code == 302
    r = client.post(f"/funds/my/lessons/{two.pk}/dispute/", {"reason": ""}, follow=True)
    assert "请填写异议理由" in r.content.decode()
    client.post(f"/funds/my/lessons/{two.pk}/dispute/", {"reason": "未上课"})
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == ConsumptionStatus.CONFIRMED and two.status == ConsumptionStatus.DISPUTED
    assert ledger.account_institution_settled(world.institution).balance_fen == 10_000


def test_other_parent_cannot_touch_a_lesson(world: World, client: Client) -> None:
    pay(world, 50_000)
    parent_of(world.enrolment)
    one = lesson(world)
    client.force_login(UserFactory.create(role=Role.PARENT))
    assert client.post(f"/funds/my/lessons/{one.pk}/confirm/").status_code == 404
    assert client.post(f"/funds/my/enrolments/{world.enrolment.pk}/refund/").status_code == 404
    one.refresh_from_db()
    assert one.status == ConsumptionStatus.PENDING
    client.force_login(RegulatorFactory.create())
    assert client.get("/funds/my/").status_code == 404


def test_refund_applied_by_parent_refused_by_institution_ordered_by_regulator(world: World, client: Client) -> None:
    pay(world, 30_000)
    parent = parent_of(world.enrolment)
    client.force_login(parent)
    client.post(f"/funds/my/enrolments/{world.enrolment.pk}/refund/", {"reason": "不想学了", "confirm": "on"})
    refund = RefundRequest.objects.get()
    assert refund.amount_fen == 30_000
    client.force_login(operator_of(world.institution))
    assert "不想学了" in client.get("/funds/institution/").content.decode()
    r = client.post(f"/funds/institution/refunds/{refund.pk}/", {"action": "refuse", "reason": ""}, follow=True)
    assert "拒绝退费必须说明理由" in r.content.decode()
    client.post(f"/funds/institution/refunds/{refund.pk}/", {"action": "refuse", "reason": "已开课"})
    # Another institution's operator cannot see it.
    other = EnrolmentFactory.create()
    client.force_login(operator_of(other.institution))
    assert client.post(f"/funds/institution/refunds/{refund.pk}/", {"action": "agree"}).status_code == 404
    # A regulator of another county cannot order it; the county's regulator can.
    client.force_login(RegulatorFactory.create(scope_code="410212"))
    assert client.post(f"/funds/cases/refunds/{refund.pk}/order/").status_code == 404
    client.force_login(RegulatorFactory.create())
    assert "已开课" in client.get("/funds/cases/").content.decode()
    client.post(f"/funds/cases/refunds/{refund.pk}/order/")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.ORDERED
    assert ledger.account_refunds_payable(world.institution).balance_fen == 30_000


def test_regulator_resolves_dispute_in_scope_only(world: World, client: Client) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    one = lesson(world)
    release.consumption_dispute(actor=parent, request=one, reason="老师缺课")
    client.force_login(RegulatorFactory.create(scope_code="410212"))
    assert client.post(f"/funds/cases/disputes/{one.pk}/", {"decision": "uphold", "note": "x"}).status_code == 404
    client.force_login(RegulatorFactory.create())
    assert "老师缺课" in client.get("/funds/cases/").content.decode()
    client.post(f"/funds/cases/disputes/{one.pk}/", {"decision": "uphold", "note": "核实缺课"})
    one.refresh_from_db()
    assert one.status == ConsumptionStatus.UPHELD


def test_bank_operator_generates_downloads_and_executes_batches(world: World, client: Client) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    release.consumption_confirm(actor=parent, request=lesson(world))
    operator = UserFactory.create(role=Role.BANK_OPERATOR, scope_code="4102")
    BankOperator.objects.create(user=operator, bank=world.bank)
    client.force_login(operator)
    client.post("/funds/bank/")
    batch = BankInstructionBatch.objects.get()
    download = client.get(f"/funds/bank/batches/{batch.pk}/download/")
    body = b"".join(download.streaming_content).decode()  # type: ignore[attr-defined]
    assert "100.00" in body and batch.reference in body
    client.post(f"/funds/bank/batches/{batch.pk}/execute/")
    assert ledger.account_institution_settled(world.institution).balance_fen == 0
    client.force_login(parent)
    assert client.get(f"/funds/bank/batches/{batch.pk}/download/").status_code == 404


def test_statement_upload_reimport_and_maker_checker_through_pages(world: World, client: Client) -> None:
    day = timezone.localdate()
    account_no = CustodyAccount.objects.get(institution=world.institution).account_no
    content = render_statement([StatementLineData("Z1", day, 5_000, account_no, "家长")], "csv")
    maker, checker = RegulatorFactory.create(), RegulatorFactory.create()
    client.force_login(maker)
    for _ in range(2):
        client.post("/funds/reconcile/", {"bank": world.bank.pk, "file": io.BytesIO(content)})
    assert Statement.objects.count() == 1 and Discrepancy.objects.count() == 1
    case = Discrepancy.objects.get()
    cash, suspense = ledger.account_bank_unallocated_cash(world.bank), ledger.account_suspense(world.bank)
    page = client.get(f"/funds/reconcile/cases/{case.pk}/").content.decode()
    assert cash.key in page
    client.post(
        f"/funds/reconcile/cases/{case.pk}/",
        {"action": "propose", "lines": f"{cash.key} 50.00\n{suspense.key} -50.00", "reason": "银行代收未通知"},
    )
    adjustment = ManualAdjustment.objects.get()
    r = client.post(
        f"/funds/reconcile/cases/{case.pk}/", {"action": "approve", "adjustment": adjustment.pk}, follow=True
    )
    assert "发起人不能复核自己的调整" in r.content.decode()
    client.force_login(checker)
    client.post(f"/funds/reconcile/cases/{case.pk}/", {"action": "approve", "adjustment": adjustment.pk})
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED
    assert ledger.account_suspense(world.bank).balance_fen == 5_000


def test_overview_flags_money_outside_custody_and_exports(
    world: World, client: Client, django_assert_max_num_queries: object
) -> None:
    pay(world, 100_000)  # 40 lessons × 100 yuan bought, only 1,000 yuan in custody
    client.force_login(RegulatorFactory.create())
    client.get("/funds/overview/")  # the first view computes the figures (a job, run eagerly here)
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        page = client.get("/funds/overview/").content.decode()
    assert world.institution.name in page and "疑似体外收费" in page and "25%" in page
    xlsx = export_download(client, "/funds/overview/?export=xlsx")
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][1] == world.institution.name and rows[1][5] == 25
    client.force_login(RegulatorFactory.create(scope_code="410212"))
    assert world.institution.name not in client.get("/funds/overview/").content.decode()


def _money_in(world: World, fen: int, day: datetime.date) -> None:
    ledger.journal_post(
        actor=None,
        kind="payment_in",
        lines=[
            (ledger.account_custody_cash(world.institution), fen),
            (ledger.account_for_parent_enrolment(world.enrolment), -fen),
        ],
        institution=world.institution,
        enrolment=world.enrolment,
        business_date=day,
    )


def test_overview_counts_pending_overdue_and_flags_a_presale_spike(world: World) -> None:
    today = datetime.date(2026, 6, 17)  # a Wednesday
    week_start = today - datetime.timedelta(days=today.weekday())
    for weeks_back in range(1, 9):
        _money_in(world, 10_000, week_start - datetime.timedelta(weeks=weeks_back))
    regulator = RegulatorFactory.create()
    row = selectors.funds_overview(regulator, today=today).institutions[0]
    assert not row.spike and row.trailing_avg_fen == 10_000
    _money_in(world, 30_000, week_start)  # exactly 3× the weekly average: not yet a spike
    assert not selectors.funds_overview(regulator, today=today).institutions[0].spike
    _money_in(world, 1, week_start + datetime.timedelta(days=1))
    data = selectors.funds_overview(regulator, today=today)
    assert data.institutions[0].spike and data.counties[0].flagged == 1
    assert sum(data.weekly_in_fen) == 110_001

    parent = parent_of(world.enrolment)
    lesson(world)
    refund = refunds.refund_apply(
        actor=parent, enrolment=world.enrolment, today=datetime.date(2026, 6, 1), reason="孩子转学"
    )
    row = selectors.funds_overview(regulator, today=today).institutions[0]
    assert row.pending_confirmations == 1 and row.overdue_refunds == 1
    assert refund.reply_due_date < today
    assert selectors.funds_overview(RegulatorFactory.create(scope_code="410212"), today=today).institutions == []


def test_dashboard_shows_lessons_to_confirm_and_disputes(world: World, client: Client) -> None:
    parent = parent_of(world.enrolment)
    one = lesson(world)
    client.force_login(parent)
    assert "待确认课次" in client.get("/").content.decode()
    release.consumption_dispute(actor=parent, request=one, reason="未上课")
    client.force_login(RegulatorFactory.create())
    assert "待处理消课异议" in client.get("/").content.decode()
