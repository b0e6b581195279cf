"""Questions the registry asks apps above it, answered by functions those apps register in ``apps.ready()``.

The people black list (限制从业) lives in staff, which sits above the registry: staff registers
``register_barred_person_check`` so a licence application can refuse a barred founder without importing staff.

Institutions changed: ``on_institutions_changed(callback)``; ``callback(institution_ids)`` runs inside the
transaction of every registry write that can change an institution's status or county (licence approved, status
changed by a regulator, the survey import), after the write and with the rows still locked by it. Enforcement
keeps its per-county coverage figures up to date with it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence

BarredCheck = Callable[[str, datetime.date], bool]

_barred_checks: list[BarredCheck] = []


def register_barred_person_check(check: BarredCheck) -> None:
    """``check(resident_id, today)`` answers whether that person is barred from training work today."""
    if check not in _barred_checks:
        _barred_checks.append(check)


def person_barred(resident_id: str, today: datetime.date) -> bool:
    return any(check(resident_id, today) for check in _barred_checks)


InstitutionsChanged = Callable[[Sequence[int]], object]

_changed_callbacks: list[InstitutionsChanged] = []


def on_institutions_changed(callback: InstitutionsChanged) -> InstitutionsChanged:
    """Register ``callback`` (usable as a decorator); registering the same function twice is a no-op."""
    if callback not in _changed_callbacks:
        _changed_callbacks.append(callback)
    return callback


def institutions_changed(institution_ids: Iterable[int]) -> None:
    """Tell the registered callbacks that these institutions' status or county may have changed."""
    ids = sorted({int(pk) for pk in institution_ids})
    if ids:
        for callback in list(_changed_callbacks):
            callback(ids)
