"""A hire and a roster naming the same teacher at the same instant (PostgreSQL; skipped on SQLite): the teacher
ends up either refused or employed-and-flagged, never employed unnoticed.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<you> pytest <this file>
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from shuangjian.core.rules import RuleViolationError
from shuangjian.schools.services import roster_upload
from shuangjian.staff import services
from shuangjian.staff.models import Employment, EmploymentFlag

from .factories import OperatorFactory, SchoolAdminUserFactory, math_teacher, rid, roster_file, school_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL advisory locks"),
]


def race(attempt: int) -> tuple[Any, Any, str]:
    """Start a hire and a roster upload for the same teacher at the same instant; return what each got."""
    op = OperatorFactory.create()
    admin = SchoolAdminUserFactory.create()
    school = school_of(admin)
    teacher = rid(100 + attempt)
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def hire() -> None:
        try:
            barrier.wait()
            results[0] = services.employment_create(actor=op, data=math_teacher(teacher))
        except Exception as exc:
            results[0] = exc
        finally:
            connections.close_all()

    def upload() -> None:
        try:
            barrier.wait()
            results[1] = roster_upload(actor=admin, school=school, file=roster_file([("王老师", teacher)]))
        except Exception as exc:
            results[1] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hire), threading.Thread(target=upload)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results[0], results[1], teacher


@pytest.mark.django_db(transaction=True)
def test_simultaneous_hire_and_roster_never_miss_each_other() -> None:
    for attempt in range(4):
        hired, uploaded, teacher = race(attempt)
        assert not isinstance(uploaded, Exception), uploaded
        employed = Employment.objects.filter(person__resident_id=teacher)
        if isinstance(hired, RuleViolationError):
            assert {v.code for v in hired.violations} == {"staff.in_service_teacher"}
            assert not employed.exists()
        else:
            assert not isinstance(hired, Exception), hired
            assert EmploymentFlag.objects.filter(employment__in=employed, code="staff.in_service_teacher").count() == 1
