"""A real custody bank reached by files: it fetches each instruction batch file (or receives it by its own
channel), executes it in its systems and reports each result back; the platform never tells it to execute."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from ..models import Bank, BankInstruction
from . import Execution


class FileExchangeBank:
    simulated: ClassVar[bool] = False

    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    def execute(
        self, instructions: Iterable[BankInstruction], *, fail_references: Sequence[str] = ()
    ) -> list[Execution]:
        # A real bank executes on its own schedule; results arrive through instructions.instruction_result_record.
        raise NotImplementedError("a file-exchange bank executes instructions itself")
