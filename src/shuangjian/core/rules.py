"""The shape every compliance rule returns, shared by all apps' rules.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable code, a Chinese message for people, and the policy it comes from."""

    code: str
    message: str
    basis: str
    field: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class RuleViolationError(ValidationError):
    """Raised by services when a write breaks rules; carries every violation, not just the first."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = list(violations)
        super().__init__([f"{v.message}（依据：{v.basis}）" for v in self.violations], code="rule_violation")


def raise_if_any(violations: Iterable[Violation]) -> None:
    found = list(violations)
    if found:
        raise RuleViolationError(found)
