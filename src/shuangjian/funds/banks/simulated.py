"""A simulated custody bank, so the demo and tests run the real HTTP path end to end without a real bank.

What it does, as a bank would:

* ``pay(order)``: a parent paid an order at the counter/app → the bank signs (by ``Bank.signature_scheme``: timestamp
  + raw body by default, or the raw body) and POSTs a notification to
  ``/api/v1/banks/<code>/notifications`` (over real HTTP with ``base_url``, or through Django's test client).
* ``execute(instructions)``: accepts release/refund instructions (a batch, by file or API) and answers each with
  a bank reference and ``executed`` or ``failed``; it never writes platform tables — the platform books the
  results through its own services.
* ``statement_lines(day)`` / ``write_statement(day, path)``: the daily statement of every custody movement —
  money in from the notifications it sent, money out for the instructions it executed — as CSV or Excel, with
  optional injected differences (a line dropped, an amount altered, an unknown line added) for reconciliation
  drills.

Statement file format (CSV UTF-8 with header, or an .xlsx sheet "statement" with the same header row):

    bank_reference,value_date,amount,account_no,counterparty,memo

``amount`` is yuan with two decimals, signed: positive = money into custody, negative = out (``-150.00``).
``value_date`` is ``YYYY-MM-DD``. The bank reference is the one in the notification / instruction result.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.utils import timezone

from shuangjian.core.excel import safe_row

from ..instructions import read_instruction_file
from ..models import Bank, BankInstruction, BankNotification, CustodyAccount, InstructionStatus, PaymentOrder
from ..signing import signed_headers
from . import Execution

STATEMENT_COLUMNS = ("bank_reference", "value_date", "amount", "account_no", "counterparty", "memo")


def fen_to_yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


@dataclass(frozen=True)
class Sent:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementLineData:
    bank_reference: str
    value_date: datetime.date
    amount_fen: int
    account_no: str = ""
    counterparty: str = ""
    memo: str = ""

    def row(self) -> list[str]:
        return [
            self.bank_reference,
            self.value_date.isoformat(),
            fen_to_yuan_text(self.amount_fen),
            self.account_no,
            self.counterparty,
            self.memo,
        ]


class SimulatedBank:
    simulated: ClassVar[bool] = True

    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    @property
    def path(self) -> str:
        return f"/api/v1/banks/{self.bank.code}/notifications"

    # ------------------------------------------------------------------ notifications

    def notification_body(
        self,
        *,
        order_no: str,
        amount_fen: int,
        notification_id: str | None = None,
        bank_reference: str | None = None,
        payer_name: str = "",
        payer_account: str = "",
        payer_bank_name: str = "",
    ) -> bytes:
        payload = {
            "notification_id": notification_id or f"N{secrets.token_hex(8).upper()}",
            "order_no": order_no,
            "amount_fen": amount_fen,
            "bank_reference": bank_reference or f"{self.bank.code.upper()}{secrets.token_hex(8).upper()}",
            "paid_at": timezone.now().isoformat(),
            "payer_name": payer_name,
            "payer_account": payer_account,
            "payer_bank_name": payer_bank_name,
        }
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def send(self, body: bytes, *, client: Any = None, base_url: str | None = None, now: float | None = None) -> Sent:
        """POST a body signed by this bank's scheme: through ``client`` (Django test client) or to ``base_url``."""
        headers = signed_headers(self.bank.notification_secret, body, now=now, scheme=self.bank.signature_scheme)
        return self.send_raw(body, headers, client=client, base_url=base_url)

    def send_raw(
        self, body: bytes, headers: dict[str, str], *, client: Any = None, base_url: str | None = None
    ) -> Sent:
        if client is not None:
            response = client.post(self.path, data=body, content_type="application/json", headers=headers)
            return Sent(response.status_code, _json(response.content), dict(response.headers))
        if not base_url:
            raise ValueError("client or base_url is required")
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own server
            base_url.rstrip("/") + self.path,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Sent(response.status, _json(response.read()), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Sent(exc.code, _json(exc.read()), dict(exc.headers))

    def pay(
        self,
        order: PaymentOrder,
        *,
        client: Any = None,
        base_url: str | None = None,
        amount_fen: int | None = None,
        notification_id: str | None = None,
    ) -> Sent:
        """The parent pays ``order`` (its full amount unless told otherwise); the bank notifies the platform."""
        body = self.notification_body(
            order_no=order.order_no,
            amount_fen=order.amount_fen if amount_fen is None else amount_fen,
            notification_id=notification_id,
            # The parent's own card, the same for every payment of one enrolment: a refund goes back to it.
            payer_account=f"6217{order.enrolment_id:015d}",
            payer_bank_name=self.bank.name,
        )
        return self.send(body, client=client, base_url=base_url)

    # ------------------------------------------------------------------ instructions

    def execute(
        self, instructions: Iterable[BankInstruction], *, fail_references: Sequence[str] = ()
    ) -> list[Execution]:
        """Accept instructions and answer each: executed with a fresh bank reference, or failed if told to."""
        results = []
        for instruction in instructions:
            if instruction.reference in fail_references:
                results.append(
                    Execution(instruction.reference, "", "failed", instruction.amount_fen, "收款账户状态异常")
                )
            else:
                bank_ref = f"{self.bank.code.upper()}OUT{secrets.token_hex(6).upper()}"
                results.append(Execution(instruction.reference, bank_ref, "executed", instruction.amount_fen))
        return results

    @staticmethod
    def read_instruction_file(content: bytes) -> list[dict[str, str]]:
        """Parse an instruction batch file (CSV with a header row) as the bank's host system would."""
        return read_instruction_file(content)

    # ------------------------------------------------------------------ statements

    def statement_lines(
        self,
        day: datetime.date,
        *,
        drop: Sequence[str] = (),
        alter: dict[str, int] | None = None,
        extra: Sequence[StatementLineData] = (),
    ) -> list[StatementLineData]:
        """Every custody movement at this bank on ``day`` (Asia/Shanghai), with optional injected differences.

        ``drop``: bank references left out (→ "missing at bank"); ``alter``: reference → amount the bank shows
        instead (→ "amount differs"); ``extra``: lines the platform never heard of (→ "missing in ledger").
        """
        alter = alter or {}
        accounts = dict(CustodyAccount.objects.filter(bank=self.bank).values_list("institution_id", "account_no"))
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        end = start + datetime.timedelta(days=1)
        lines: list[StatementLineData] = []
        notifications = (
            BankNotification.objects.filter(bank=self.bank, received_at__gte=start, received_at__lt=end)
            .select_related("order")
            .order_by("id")
        )
        for n in notifications:
            payload = n.payload
            inst_id = n.order.institution_id if n.order else None
            lines.append(
                StatementLineData(
                    bank_reference=str(payload.get("bank_reference", "")),
                    value_date=day,
                    amount_fen=int(payload.get("amount_fen", 0)),
                    account_no=accounts.get(inst_id, "") if inst_id else "",
                    counterparty=str(payload.get("payer_name", "")),
                    memo=str(payload.get("order_no", "")),
                )
            )
        executed = BankInstruction.objects.filter(
            bank=self.bank, status=InstructionStatus.EXECUTED, executed_at__gte=start, executed_at__lt=end
        ).order_by("id")
        for i in executed:
            lines.append(
                StatementLineData(
                    bank_reference=i.bank_reference,
                    value_date=day,
                    amount_fen=-i.amount_fen,
                    account_no=accounts.get(i.institution_id, ""),
                    counterparty=i.payee_name,
                    memo=f"{i.kind}:{i.reference}",
                )
            )
        out = []
        for line in lines:
            if line.bank_reference in drop:
                continue
            if line.bank_reference in alter:
                line = StatementLineData(**{**line.__dict__, "amount_fen": alter[line.bank_reference]})
            out.append(line)
        out.extend(extra)
        return out

    def write_statement(
        self, day: datetime.date, path: Path, *, fmt: str | None = None, **changes: Any
    ) -> list[StatementLineData]:
        """Write the statement for ``day`` to ``path`` as CSV or Excel (``fmt`` or the bank's statement format)."""
        lines = self.statement_lines(day, **changes)
        path.write_bytes(render_statement(lines, fmt or self.bank.statement_format))
        return lines


def render_statement(lines: Sequence[StatementLineData], fmt: str) -> bytes:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "statement"
        ws.append(list(STATEMENT_COLUMNS))
        for line in lines:
            ws.append(safe_row(ws, line.row()))
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(STATEMENT_COLUMNS)
    for line in lines:
        writer.writerow(line.row())
    return text.getvalue().encode("utf-8")


def _json(content: bytes) -> dict[str, Any]:
    try:
        value = json.loads(content or b"{}")
    except ValueError:
        return {"raw": content[:500].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}
