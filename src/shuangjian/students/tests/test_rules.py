from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.students.rules import Interval, attendance_violations, overlapping_pairs

BASE = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)


def interval(start: int, length: int) -> Interval:
    return Interval(BASE + datetime.timedelta(minutes=start), BASE + datetime.timedelta(minutes=start + length))


intervals = st.lists(st.builds(interval, st.integers(0, 600), st.integers(1, 120)), max_size=12)


@settings(max_examples=200)
@given(intervals, intervals)
def test_sweep_finds_exactly_the_overlapping_pairs(mine: list[Interval], others: list[Interval]) -> None:
    expected = sorted(
        (
            (a.starts_at, a.ends_at, b.starts_at, b.ends_at)
            for a in mine
            for b in others
            if a.starts_at < b.ends_at and b.starts_at < a.ends_at
        ),
    )
    found = sorted((a.starts_at, a.ends_at, b.starts_at, b.ends_at) for a, b in overlapping_pairs(mine, others))
    assert found == expected


def test_touching_sessions_do_not_overlap() -> None:
    assert overlapping_pairs([interval(0, 45)], [interval(45, 45)]) == []
    assert len(overlapping_pairs([interval(0, 46)], [interval(45, 45)])) == 1


def test_attendance_rules_all_reported() -> None:
    now = BASE
    found = attendance_violations(
        session_in_class_group=True,
        session_cancelled=True,
        session_starts_at=now + datetime.timedelta(hours=1),
        now=now,
        enrolment_active=False,
        present=True,
        was_present=None,
        present_count=3,
        lessons_bought=3,
    )
    assert [v.code for v in found] == [
        "session_cancelled",
        "session_in_future",
        "enrolment_not_active",
        "lessons_exhausted",
    ]
    assert all(v.basis for v in found)
