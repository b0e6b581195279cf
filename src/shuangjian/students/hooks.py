"""Extension points for apps built on top of students (funds), so students never imports them.

- ``on_attendance_recorded(callback)``: ``callback(attendance)`` runs after the transaction that recorded a
  *present* attendance commits (the funds app turns it into a lesson-consumption request).
- ``register_enrolment_check(check)``: ``check(draft) -> list[Violation]`` runs inside ``check_enrolment`` for
  every new enrolment (the funds app adds the prepaid-fee caps here); its violations are reported with ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shuangjian.core.rules import Violation

    from .models import Attendance

AttendanceCallback = Callable[["Attendance"], None]
EnrolmentCheck = Callable[[Any], "list[Violation]"]

_attendance_callbacks: list[AttendanceCallback] = []
_enrolment_checks: list[EnrolmentCheck] = []


def on_attendance_recorded(callback: AttendanceCallback) -> AttendanceCallback:
    """Register ``callback`` (usable as a decorator); registering the same function twice is a no-op."""
    if callback not in _attendance_callbacks:
        _attendance_callbacks.append(callback)
    return callback


def attendance_callbacks() -> list[AttendanceCallback]:
    return list(_attendance_callbacks)


def register_enrolment_check(check: EnrolmentCheck) -> EnrolmentCheck:
    if check not in _enrolment_checks:
        _enrolment_checks.append(check)
    return check


def unregister_enrolment_check(check: EnrolmentCheck) -> None:
    """Remove ``check`` (tests, and an app that turns its check off); unknown checks are ignored."""
    if check in _enrolment_checks:
        _enrolment_checks.remove(check)


def enrolment_checks() -> list[EnrolmentCheck]:
    return list(_enrolment_checks)
