"""Hooks enforcement offers to the apps above it (they register in their AppConfig.ready()).

- ``on_inspection_done(callback)``: ``callback(*, actor, inspection)`` runs inside the transaction that records a
  finished inspection; complaints registers one so that a report waiting for its check moves on at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shuangjian.core.models import User

    from .models import Inspection


class InspectionDone(Protocol):
    def __call__(self, *, actor: User, inspection: Inspection) -> object: ...


_done_callbacks: list[InspectionDone] = []


def on_inspection_done(callback: InspectionDone) -> InspectionDone:
    """Register ``callback``; registering the same function twice is a no-op."""
    if callback not in _done_callbacks:
        _done_callbacks.append(callback)
    return callback


def inspection_done_callbacks() -> list[InspectionDone]:
    return list(_done_callbacks)
