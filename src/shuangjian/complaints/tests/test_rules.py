from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from shuangjian.complaints import rules

D = rules.Deadlines()


def weekdays(d: datetime.date, n: int) -> datetime.date:
    while n:
        d += datetime.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def test_code_is_long_unguessable_and_readable_aloud() -> None:
    import math

    assert rules.CODE_LENGTH * math.log2(len(rules.CODE_ALPHABET)) >= 45
    assert not set("01OIL") & set(rules.CODE_ALPHABET)
    codes = {rules.tracking_code_new() for _ in range(500)}
    assert len(codes) == 500


@given(st.text(alphabet=rules.CODE_ALPHABET, min_size=10, max_size=10))
def test_code_normalises_from_spoken_form(code: str) -> None:
    spoken = f" {code[:5].lower()} - {code[5:]} "
    assert rules.tracking_code_normalise(spoken) == code


@given(st.text(max_size=20))
def test_normalise_never_accepts_a_bad_code(text: str) -> None:
    code = rules.tracking_code_normalise(text)
    assert code is None or (len(code) == 10 and set(code) <= set(rules.CODE_ALPHABET))


def test_deadlines_in_working_days() -> None:
    friday = datetime.date(2026, 3, 6)
    assert rules.acknowledge_due(friday, D, weekdays) == datetime.date(2026, 3, 9)
    assert rules.assign_due(friday, D, weekdays) == datetime.date(2026, 3, 10)
    assert rules.answer_due(friday, D, weekdays) == datetime.date(2026, 3, 27)


@given(st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 1, 1)), st.integers(1, 100))
def test_answer_never_past_the_outer_bound(accepted: datetime.date, days: int) -> None:
    d = rules.Deadlines(answer_working_days=days)
    due = rules.answer_due(accepted, d, weekdays)
    assert accepted < due <= accepted + datetime.timedelta(days=60)


def test_step_due_and_overdue() -> None:
    day = datetime.date(2026, 3, 2)
    assert rules.step_due("new", received=day, accepted=None, d=D, add=weekdays) == datetime.date(2026, 3, 3)
    assert rules.step_due("accepted", received=day, accepted=day, d=D, add=weekdays) == datetime.date(2026, 3, 4)
    assert rules.step_due("dispatched", received=day, accepted=day, d=D, add=weekdays) == datetime.date(2026, 3, 23)
    assert rules.step_due("closed", received=day, accepted=day, d=D, add=weekdays) is None
    assert rules.step_due("assigned", received=day, accepted=None, d=D, add=weekdays) is None
    assert rules.is_overdue(day, day + datetime.timedelta(days=1))
    assert not rules.is_overdue(day, day) and not rules.is_overdue(None, day)


def test_county_in_address() -> None:
    counties = [("410202", "龙亭区"), ("410203", "顺河回族区"), ("410223", "尉氏县")]
    assert rules.county_in_address("开封市龙亭区中山路", counties) == "410202"
    assert rules.county_in_address("尉氏城关镇", counties) == "410223"
    assert rules.county_in_address("某地", counties) is None
    assert rules.county_in_address("龙亭区和尉氏县交界", counties) is None


def test_duplicate_window() -> None:
    a = datetime.datetime(2026, 1, 1)
    assert rules.duplicate_window_ok(a, a + datetime.timedelta(days=30), 30)
    assert not rules.duplicate_window_ok(a, a + datetime.timedelta(days=31), 30)
