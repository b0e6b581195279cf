"""Extension points for apps built on top of schools (staff), so schools never imports them.

- ``on_roster_uploaded(callback)``: ``callback(*, actor, entries) -> list`` runs inside ``roster_upload``'s
  transaction once the new roster's entries are saved and their resident IDs locked
  (``core.locks.lock_resident_ids``); it returns what it flagged (the staff app flags current employments of
  rostered teachers and returns the flags). Registered by ``StaffConfig.ready()``.
- ``register_inservice_case_listener(fn)``: ``fn(*, actor, case)`` runs inside the transaction that opens an
  ``InServiceCase`` (a rostered teacher found employed by an institution); the enforcement app registers one to
  open an inspection lead against the institution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shuangjian.core.models import User

    from .models import InServiceCase, RosterEntry


class RosterCallback(Protocol):
    def __call__(self, *, actor: User, entries: Sequence[RosterEntry]) -> Sequence[Any]: ...


_roster_callbacks: list[RosterCallback] = []


def on_roster_uploaded(callback: RosterCallback) -> RosterCallback:
    """Register ``callback``; registering the same function twice is a no-op."""
    if callback not in _roster_callbacks:
        _roster_callbacks.append(callback)
    return callback


def roster_callbacks() -> list[RosterCallback]:
    return list(_roster_callbacks)


class CaseListener(Protocol):
    def __call__(self, *, actor: User | None, case: InServiceCase) -> object: ...


_case_listeners: list[CaseListener] = []


def register_inservice_case_listener(listener: CaseListener) -> CaseListener:
    """Register ``listener``; registering the same function twice is a no-op."""
    if listener not in _case_listeners:
        _case_listeners.append(listener)
    return listener


def inservice_case_listeners() -> list[CaseListener]:
    return list(_case_listeners)
