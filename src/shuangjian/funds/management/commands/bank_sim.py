"""``python manage.py bank_sim``: the simulated custody bank from the command line.

    bank_sim pay ORDER_NO [--amount FEN] [--url http://127.0.0.1:8000] [--notification-id ID] [--repeat N]
    bank_sim notify --bank CODE --order-no X --amount FEN [--url ...]      (any notification, e.g. unknown order)
    bank_sim execute BATCH_REF [--fail INSTRUCTION_REF ...]                 (accept a batch, book the results)
    bank_sim statement YYYY-MM-DD [--bank CODE] [--out PATH] [--format csv|xlsx]
                                  [--drop REF ...] [--alter REF=FEN ...] [--extra REF=FEN ...]

Notifications are signed the way the bank is set up to sign (``Bank.signature_scheme``: timestamp + body by default,
or the raw body alone). Without ``--url`` they go through Django's test client in this process (same code path, no
server needed); with ``--url`` they are real HTTP requests to a running server.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client

from shuangjian.funds.banks.simulated import Sent, SimulatedBank, StatementLineData
from shuangjian.funds.instructions import InstructionResult, instruction_batch_record_results
from shuangjian.funds.models import Bank, BankInstructionBatch, InstructionStatus, PaymentOrder


def _pair(text: str) -> tuple[str, int]:
    ref, _, fen = text.partition("=")
    try:
        return ref, int(fen)
    except ValueError:
        raise CommandError(f"expected REF=FEN, got {text!r}")


class Command(BaseCommand):
    help = "Simulated custody bank: send signed notifications, execute instruction batches, write statements."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pay = sub.add_parser("pay", help="pay an order: signed notification to the platform")
        pay.add_argument("order_no")
        pay.add_argument("--amount", type=int, help="fen; default the order amount")
        pay.add_argument("--url", help="base URL of a running server; default in-process test client")
        pay.add_argument("--notification-id")
        pay.add_argument("--repeat", type=int, default=1, help="send the same notification N times")

        notify = sub.add_parser("notify", help="send an arbitrary notification")
        notify.add_argument("--bank", required=True)
        notify.add_argument("--order-no", default="")
        notify.add_argument("--amount", type=int, required=True)
        notify.add_argument("--url")

        execute = sub.add_parser("execute", help="accept an instruction batch and book the bank's results")
        execute.add_argument("batch")
        execute.add_argument("--fail", action="append", default=[], help="instruction reference to refuse")

        statement = sub.add_parser("statement", help="write the daily statement")
        statement.add_argument("date")
        statement.add_argument("--bank", help="bank code; default every active bank")
        statement.add_argument("--out", default="var/statements", help="directory")
        statement.add_argument("--format", choices=["csv", "xlsx"])
        statement.add_argument("--drop", action="append", default=[])
        statement.add_argument("--alter", action="append", default=[])
        statement.add_argument("--extra", action="append", default=[])

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _print(self, sent: Sent) -> None:
        self.stdout.write(f"{sent.status} {json.dumps(sent.body, ensure_ascii=False)}")

    def _client(self, options: dict[str, Any]) -> Client | None:
        return None if options.get("url") else Client()

    def _pay(self, options: dict[str, Any]) -> None:
        order = PaymentOrder.objects.select_related("bank").filter(order_no=options["order_no"]).first()
        if order is None:
            raise CommandError(f"no order {options['order_no']}")
        if order.bank is None:
            raise CommandError(f"order {order.order_no} is paid to the institution directly (risk deposit), not a bank")
        sim = SimulatedBank(order.bank)
        body = sim.notification_body(
            order_no=order.order_no,
            amount_fen=options["amount"] if options["amount"] is not None else order.amount_fen,
            notification_id=options["notification_id"],
        )
        for _ in range(max(options["repeat"], 1)):
            self._print(sim.send(body, client=self._client(options), base_url=options.get("url")))

    def _notify(self, options: dict[str, Any]) -> None:
        bank = Bank.objects.filter(code=options["bank"]).first()
        if bank is None:
            raise CommandError(f"no bank {options['bank']}")
        sim = SimulatedBank(bank)
        body = sim.notification_body(order_no=options["order_no"], amount_fen=options["amount"])
        self._print(sim.send(body, client=self._client(options), base_url=options.get("url")))

    def _execute(self, options: dict[str, Any]) -> None:
        batch = BankInstructionBatch.objects.select_related("bank").filter(reference=options["batch"]).first()
        if batch is None:
            raise CommandError(f"no batch {options['batch']}")
        pending = batch.instructions.exclude(status__in=[InstructionStatus.EXECUTED, InstructionStatus.FAILED])
        results = SimulatedBank(batch.bank).execute(pending.order_by("id"), fail_references=options["fail"])
        done = instruction_batch_record_results(
            actor=None,
            batch=batch,
            results=[
                InstructionResult(r.reference, r.bank_reference, r.status == "executed", r.reason) for r in results
            ],
        )
        self.stdout.write(f"batch {batch.reference}: {done} instructions booked")

    def _statement(self, options: dict[str, Any]) -> None:
        try:
            day = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("date must be YYYY-MM-DD")
        banks = Bank.objects.filter(is_active=True)
        if options["bank"]:
            banks = banks.filter(code=options["bank"])
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        extra = [StatementLineData(ref, day, fen, memo="unknown") for ref, fen in map(_pair, options["extra"])]
        for bank in banks:
            fmt = options["format"] or bank.statement_format
            path = out / f"{bank.code}-{day:%Y%m%d}.{fmt}"
            lines = SimulatedBank(bank).write_statement(
                day, path, fmt=fmt, drop=options["drop"], alter=dict(map(_pair, options["alter"])), extra=extra
            )
            self.stdout.write(f"{path}: {len(lines)} lines")
