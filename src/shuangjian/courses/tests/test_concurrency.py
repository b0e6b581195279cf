"""Races on one class group's timetable: two moves, or a move and a create, cannot both pass the overlap check.

Every path that changes a group's sessions locks the class group first (PostgreSQL row locks). The check is
slowed down so that, without the lock, both writers would read the timetable before either commits.
"""

from __future__ import annotations

import datetime
import itertools
import time
from typing import Any

import pytest
from django.db import connection

from shuangjian.core import calendar as core_calendar
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.concurrency import race
from shuangjian.courses import services
from shuangjian.courses.models import Session

from .factories import ClassGroupFactory, CourseFactory, SessionFactory, at, operator_with_institution

WEDNESDAY = datetime.date(2026, 3, 4)

pytestmark = [
    # The suite runs once on SQLite and once on PostgreSQL (REQUIRE_POSTGRES makes that second run mandatory).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def postgres_and_slow_check(monkeypatch: pytest.MonkeyPatch) -> None:
    core_calendar.clear_cache()
    real = services.session_violations

    def slow_check(**kwargs: Any) -> Any:
        found = real(**kwargs)
        time.sleep(0.4)  # both writers are inside their transaction, between check and write
        return found

    monkeypatch.setattr(services, "session_violations", slow_check)


def overlapping_pairs(group: Any) -> int:
    spans = list(
        Session.objects.filter(class_group=group, is_cancelled=False)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    return sum(1 for (_s1, e1), (s2, _e2) in itertools.pairwise(spans) if s2 < e1)


def setup_group() -> tuple[Any, Any, Session, Session]:
    """A group with a session at 18:00, and a session of another group of the same course at 19:00."""
    operator, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    group = ClassGroupFactory.create(course=course)
    other = ClassGroupFactory.create(course=course, site=group.site)
    first = SessionFactory.create(class_group=group, starts_at=at(WEDNESDAY, 18))
    elsewhere = SessionFactory.create(class_group=other, starts_at=at(WEDNESDAY, 19))
    return operator, group, first, elsewhere


def test_two_moves_into_one_slot_only_one_wins() -> None:
    operator, group, first, elsewhere = setup_group()
    ok, errors = race(
        lambda: services.session_update(
            actor=operator, session=first, starts_at=at(WEDNESDAY, 17), ends_at=at(WEDNESDAY, 17, 45)
        ),
        # A move into the group locks the group it joins, not only the one it leaves.
        lambda: services.session_update(
            actor=operator,
            session=elsewhere,
            class_group=group,
            starts_at=at(WEDNESDAY, 17, 15),
            ends_at=at(WEDNESDAY, 18),
        ),
    )
    assert ok == 1
    assert len(errors) == 1 and isinstance(errors[0], RuleViolationError)
    assert "session.overlaps" in {v.code for v in errors[0].violations}
    assert overlapping_pairs(group) == 0


def test_move_racing_a_create_only_one_wins() -> None:
    operator, group, _first, elsewhere = setup_group()
    ok, errors = race(
        lambda: services.session_update(
            actor=operator,
            session=elsewhere,
            class_group=group,
            starts_at=at(WEDNESDAY, 17),
            ends_at=at(WEDNESDAY, 17, 45),
        ),
        lambda: services.session_create(
            actor=operator, class_group=group, starts_at=at(WEDNESDAY, 17, 15), ends_at=at(WEDNESDAY, 18)
        ),
    )
    assert ok == 1
    assert len(errors) == 1 and isinstance(errors[0], RuleViolationError)
    assert overlapping_pairs(group) == 0
