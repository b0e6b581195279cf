"""Extension points for apps built on top of courses (students), so courses never imports them.

- ``register_session_check(check)``: ``check(*, class_group, starts_at, ends_at, exclude_session_id)
  -> list[Violation]`` runs inside ``session_violations`` (so in every session write and in ``check_session``) once
  the calendar rules pass; its violations are reported with ours. The students app registers
  ``student_session_conflicts`` (a pupil of this class group cannot be in two lessons at once) from
  ``StudentsConfig.ready()``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shuangjian.core.rules import Violation

    from .models import ClassGroup


class SessionCheck(Protocol):
    def __call__(
        self,
        *,
        class_group: ClassGroup,
        starts_at: datetime.datetime,
        ends_at: datetime.datetime,
        exclude_session_id: int | None = None,
    ) -> list[Violation]: ...


_session_checks: list[SessionCheck] = []


def register_session_check(check: SessionCheck) -> SessionCheck:
    """Register ``check``; registering the same function twice is a no-op."""
    if check not in _session_checks:
        _session_checks.append(check)
    return check


def session_checks() -> list[SessionCheck]:
    return list(_session_checks)
