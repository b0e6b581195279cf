"""The instruction batch file a bank executes: Chinese headers as in bulk-payment templates, every needed field
filled — payer custody account, payee account, name and bank, amount, purpose."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from shuangjian.core.tests.factories import RegulatorFactory

from .. import instructions, refunds, release, services
from ..banks.simulated import SimulatedBank
from ..models import BankInstruction, BankInstructionBatch, CustodyAccount, InstructionKind
from .conftest import World
from .factories import operator_of, parent_of
from .test_release import attend

pytestmark = pytest.mark.django_db


def paid_through_the_bank(world: World, client: Client, hours: int = 5) -> None:
    order = services.payment_order_create(
        actor=None,
        enrolment=world.enrolment,
        class_hours=hours,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
        today=datetime.date(2026, 2, 20),
    )
    assert SimulatedBank(world.bank).pay(order, client=client).body["result"] == "booked"


def rows_of(batch: BankInstructionBatch) -> list[dict[str, str]]:
    with batch.file.open("rb") as f:
        content = f.read()
    header = content.decode("utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == instructions.INSTRUCTION_FILE_COLUMNS
    return instructions.read_instruction_file(content)


def assert_complete(rows: list[dict[str, str]]) -> None:
    assert rows
    for row in rows:
        empty = [column for column in instructions.INSTRUCTION_FILE_REQUIRED if not row[column].strip()]
        assert empty == [], row


def test_release_and_refund_files_name_every_field_a_bank_needs(world: World, client: Client) -> None:
    paid_through_the_bank(world, client)
    parent = parent_of(world.enrolment)
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent, request=request)
    custody = CustodyAccount.objects.get(institution=world.institution)

    payout = release.release_batch_create(actor=None, bank=world.bank)
    assert payout is not None
    rows = rows_of(payout)
    assert_complete(rows)
    (row,) = rows
    assert row["付款账号"] == custody.account_no and row["收款人账号"] == custody.settlement_account_no
    assert row["收款人户名"] == custody.settlement_account_name and row["收款行名称"] == custody.settlement_bank_name
    assert row["金额(元)"] == f"{request.amount_fen // 100}.{request.amount_fen % 100:02d}"
    assert row["用途"] == "预收费释放划付" and row["指令号"] == BankInstruction.objects.get(batch=payout).reference

    refund = refunds.refund_apply(actor=parent, enrolment=world.enrolment, reason="搬家")
    refunds.refund_agree(actor=operator_of(world.institution), refund=refund)
    refund_batch = refunds.refund_batch_create(actor=None, bank=world.bank)
    assert refund_batch is not None
    rows = rows_of(refund_batch)
    assert_complete(rows)
    (row,) = rows
    # Back to the card the parent paid from, as the bank's notification named it (原路退回).
    assert row["收款人账号"] == f"6217{world.enrolment.pk:015d}" and row["收款行名称"] == world.bank.name
    assert row["付款账号"] == custody.account_no and row["用途"] == "预收费退费"
    # The simulated bank reads the file it is given and executes it.
    assert release.instruction_batch_execute_simulated(actor=None, batch=refund_batch) == 1


def test_no_release_is_instructed_without_a_settlement_account(world: World, client: Client) -> None:
    from .test_release import pay

    pay(world, 50_000)
    CustodyAccount.objects.filter(institution=world.institution).update(settlement_account_no="")
    # The regulator sees which custody accounts still lack one.
    client.force_login(RegulatorFactory.create())
    assert "未登记结算账户" in client.get("/funds/setup/").content.decode()
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent_of(world.enrolment), request=request)
    assert release.release_batch_create(actor=None, bank=world.bank) is None
    assert not BankInstruction.objects.filter(kind=InstructionKind.RELEASE).exists()
    # Once the account is recorded, the next batch instructs the money that waited.
    CustodyAccount.objects.filter(institution=world.institution).update(settlement_account_no="4105010000000001")
    batch = release.release_batch_create(actor=None, bank=world.bank)
    assert batch is not None and batch.total_fen == request.amount_fen
    assert_complete(rows_of(batch))
