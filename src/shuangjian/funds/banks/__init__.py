"""Bank adapters, chosen by setting: how the platform talks to a custody bank beyond files and notifications.

``FUNDS_BANK_ADAPTER`` is the dotted path of the adapter class for every bank; ``FUNDS_BANK_ADAPTERS`` maps a
bank code to another path for that bank only. Production code resolves adapters here and never imports one by
name, so the simulated bank (``banks.simulated.SimulatedBank``) runs only where a setting selects it: the demo
and tests do; production settings default to ``banks.files.FileExchangeBank`` (the bank fetches the instruction
file and answers through its own channel).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ..models import Bank, BankInstruction


@dataclass(frozen=True)
class Execution:
    """A bank's answer to one instruction."""

    reference: str
    bank_reference: str
    status: str  # "executed" or "failed"
    amount_fen: int
    reason: str = ""


class BankAdapter(Protocol):
    # True only for a bank that executes instructions on the platform's request (the simulated one): the
    # "模拟银行执行" action exists for such banks only.
    simulated: ClassVar[bool]

    def __init__(self, bank: Bank) -> None: ...

    def execute(
        self, instructions: Iterable[BankInstruction], *, fail_references: Sequence[str] = ()
    ) -> list[Execution]: ...


def adapter_path(bank: Bank) -> str:
    """The dotted path of ``bank``'s adapter: its own entry in ``FUNDS_BANK_ADAPTERS``, else the default."""
    per_bank: dict[str, str] = getattr(settings, "FUNDS_BANK_ADAPTERS", None) or {}
    return per_bank.get(bank.code) or settings.FUNDS_BANK_ADAPTER


def adapter_class(bank: Bank) -> type[BankAdapter]:
    cls: type[BankAdapter] = import_string(adapter_path(bank))
    return cls


def bank_adapter(bank: Bank) -> BankAdapter:
    return adapter_class(bank)(bank)


def is_simulated(bank: Bank) -> bool:
    """Whether ``bank`` is served by a simulated adapter (the only kind the platform may tell to execute)."""
    return bool(getattr(adapter_class(bank), "simulated", False))
