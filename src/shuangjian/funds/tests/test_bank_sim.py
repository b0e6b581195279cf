from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from .. import ledger, services
from ..banks.simulated import STATEMENT_COLUMNS, SimulatedBank
from ..models import JournalEntry, PaymentOrderStatus, SuspenseCase


@pytest.fixture
def order(world):
    return services.payment_order_create(
        actor=None,
        enrolment=world.enrolment,
        class_hours=10,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 4, 30),
        today=datetime.date(2026, 2, 20),
    )


def test_bank_sim_pay_books_once_even_when_repeated(world, order):
    out = io.StringIO()
    call_command("bank_sim", "pay", order.order_no, "--notification-id", "CLI-1", "--repeat", "3", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("200 ") for line in lines)
    order.refresh_from_db()
    assert order.status == PaymentOrderStatus.PAID
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize("scheme", ["body", "timestamp_body"])
def test_bank_sim_signs_by_the_banks_scheme(world, order, scheme):
    world.bank.signature_scheme = scheme
    world.bank.save(update_fields=["signature_scheme"])
    out = io.StringIO()
    call_command("bank_sim", "pay", order.order_no, stdout=out)
    assert out.getvalue().startswith("200 ") and '"booked"' in out.getvalue()


def test_bank_sim_notify_unknown_order_opens_a_suspense_case(world):
    out = io.StringIO()
    call_command("bank_sim", "notify", "--bank", world.bank.code, "--order-no", "NOPE", "--amount", "999", stdout=out)
    assert '"suspense"' in out.getvalue()
    assert SuspenseCase.objects.get().amount_fen == 999
    with pytest.raises(CommandError):
        call_command("bank_sim", "pay", "NO-SUCH-ORDER")


def test_statement_has_every_movement_and_injected_differences(world, order, client, tmp_path):
    sim = SimulatedBank(world.bank)
    paid = sim.pay(order, client=client)
    ref = paid.body["bank_reference"]
    unknown = sim.send(sim.notification_body(order_no="X", amount_fen=500), client=client).body["bank_reference"]
    today = timezone.localdate()
    call_command(
        "bank_sim", "statement", today.isoformat(), "--out", str(tmp_path), "--format", "csv", stdout=io.StringIO()
    )
    rows = list(csv.reader((tmp_path / f"{world.bank.code}-{today:%Y%m%d}.csv").read_text().splitlines()))
    assert tuple(rows[0]) == STATEMENT_COLUMNS
    amounts = {r[0]: r[2] for r in rows[1:]}
    assert amounts == {ref: "1000.00", unknown: "5.00"}
    # Bank and ledger agree on the cash held.
    assert ledger.ledger_totals().custody_cash_fen == 100_500
    call_command(
        "bank_sim",
        "statement",
        today.isoformat(),
        "--out",
        str(tmp_path),
        "--format",
        "xlsx",
        "--drop",
        unknown,
        "--alter",
        f"{ref}=99900",
        "--extra",
        "GHOST1=4200",
        stdout=io.StringIO(),
    )
    ws = load_workbook(tmp_path / f"{world.bank.code}-{today:%Y%m%d}.xlsx").active
    values = {r[0]: r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert values == {ref: "999.00", "GHOST1": "42.00"}
