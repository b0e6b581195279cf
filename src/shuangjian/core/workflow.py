"""Workflows as data: each app keeps its moves in one table of ``Transition`` rows, which drives the guard in its
services, the buttons on its pages and its API's actions. This module holds what every table shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.utils.functional import Promise


@dataclass(frozen=True)
class Transition:
    """One move: ``action`` takes the object from any of ``sources`` to ``target``, offered to ``actor``.

    ``requires`` names what the move needs besides the click (a reason, a document, materials...) and ``missing``
    is the refusal when it is absent. Apps subclass it to add their own columns (a button's style, a form...).
    """

    action: str
    label: str | Promise
    sources: tuple[str, ...]
    target: str
    actor: str = ""
    requires: str = ""
    missing: str | Promise = ""


T = TypeVar("T", bound=Transition)


class TransitionTable(Generic[T]):
    """The table of one workflow, looked up by action and by state (in the table's order, which is the buttons')."""

    def __init__(self, transitions: Iterable[T]) -> None:
        self.transitions: tuple[T, ...] = tuple(transitions)
        self.by_action: dict[str, T] = {t.action: t for t in self.transitions}

    def find(self, state: str, action: str) -> T | None:
        """The move ``action`` if the table allows it from ``state``."""
        t = self.by_action.get(action)
        return t if t is not None and state in t.sources else None

    def from_state(self, state: str, actor: str | None = None) -> tuple[T, ...]:
        """The moves from ``state`` (offered to ``actor``, when given), in table order."""
        return tuple(t for t in self.transitions if state in t.sources and (actor is None or t.actor == actor))

    def label_of_step(self, from_state: str, to_state: str) -> str | None:
        """The action a recorded step from ``from_state`` to ``to_state`` was, in words; None if no move matches."""
        for t in self.transitions:
            if t.target == to_state and from_state in t.sources:
                return str(t.label)
        return None


def require(t: Transition, met: Mapping[str, bool]) -> None:
    """Refuse with the move's own message when what it ``requires`` is not among the things ``met``."""
    if t.requires and not met.get(t.requires, False):
        raise ValidationError(str(t.missing), code=f"{t.requires}_required")
