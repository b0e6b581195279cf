"""Questions the registry asks apps above it, answered by functions those apps register in ``apps.ready()``.

The people black list (限制从业) lives in staff, which sits above the registry: staff registers
``register_barred_person_check`` so a licence application can refuse a barred founder without importing staff.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

BarredCheck = Callable[[str, datetime.date], bool]

_barred_checks: list[BarredCheck] = []


def register_barred_person_check(check: BarredCheck) -> None:
    """``check(resident_id, today)`` answers whether that person is barred from training work today."""
    if check not in _barred_checks:
        _barred_checks.append(check)


def person_barred(resident_id: str, today: datetime.date) -> bool:
    return any(check(resident_id, today) for check in _barred_checks)
