"""Public-report rules at their edges: the tracking code's length and alphabet, each step's deadline (working
days counted by the function passed in, the 60-day outer bound), the first overdue day, the county named in an
address, the duplicate window to the second."""

from __future__ import annotations

import datetime

import pytest

from shuangjian.complaints.rules import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Deadlines,
    acknowledge_due,
    answer_due,
    assign_due,
    county_in_address,
    duplicate_window_ok,
    is_overdue,
    step_due,
    tracking_code_new,
    tracking_code_normalise,
)

D = datetime.date
HOLIDAY = D(2026, 3, 4)  # a Wednesday off, so a test sees the passed-in calendar is used


def add(d: datetime.date, n: int) -> datetime.date:
    """Weekends and HOLIDAY are rest days."""
    while n:
        d += datetime.timedelta(days=1)
        if d.weekday() < 5 and d != HOLIDAY:
            n -= 1
    return d


MONDAY = D(2026, 3, 2)
FRIDAY = D(2026, 3, 6)
DEFAULT = Deadlines()


def test_default_deadlines_are_the_local_rule():
    assert DEFAULT == Deadlines(
        acknowledge_working_days=1, assign_working_days=2, answer_working_days=15, outer_bound_days=60
    )


def test_alphabet_has_no_confusable_symbols():
    assert CODE_LENGTH == 10
    assert len(CODE_ALPHABET) == 31
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_a_new_code_is_ten_symbols_of_the_alphabet_and_reads_back():
    for _ in range(20):
        code = tracking_code_new()
        assert len(code) == 10 and set(code) <= set(CODE_ALPHABET)
        assert tracking_code_normalise(code) == code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("abcd-efgh 23", "ABCDEFGH23"),
        ("ab_cd\tef gh-2-3", "ABCDEFGH23"),
        ("ABCDEFGH23", "ABCDEFGH23"),
        ("ABCDEFGH2", None),  # nine symbols
        ("ABCDEFGH234", None),  # eleven
        ("ABCDEFGH20", None),  # 0 is not in the alphabet
        ("ABCDEFGHO2", None),  # nor O
        ("ABCDEFGH2.", None),
        ("", None),
    ],
)
def test_tracking_code_normalise(typed, stored):
    assert tracking_code_normalise(typed) == stored


def test_each_step_is_due_on_its_working_day():
    # Monday 2 March 2026; Wednesday 4 March is a rest day in the passed-in calendar.
    assert acknowledge_due(MONDAY, DEFAULT, add) == D(2026, 3, 3)
    assert assign_due(MONDAY, DEFAULT, add) == D(2026, 3, 5)
    assert acknowledge_due(FRIDAY, DEFAULT, add) == D(2026, 3, 9)
    assert answer_due(MONDAY, DEFAULT, add) == D(2026, 3, 24)  # 15 working days, one holiday skipped


def test_deadlines_are_the_numbers_passed_in():
    d = Deadlines(acknowledge_working_days=2, assign_working_days=3, answer_working_days=5, outer_bound_days=60)
    assert acknowledge_due(MONDAY, d, add) == D(2026, 3, 5)
    assert assign_due(MONDAY, d, add) == D(2026, 3, 6)
    assert answer_due(MONDAY, d, add) == D(2026, 3, 10)


def test_the_answer_is_never_due_after_the_outer_bound():
    # 45 working days from Monday 2 March is 4 May; 60 calendar days is 1 May.
    d = Deadlines(answer_working_days=45, outer_bound_days=60)
    assert answer_due(MONDAY, d, add) == D(2026, 5, 1)
    d = Deadlines(answer_working_days=15, outer_bound_days=21)  # 15 working days is 23 days here
    assert answer_due(MONDAY, d, add) == D(2026, 3, 23)
    d = Deadlines(answer_working_days=15, outer_bound_days=22)  # the bound and the count meet on 24 March
    assert answer_due(MONDAY, d, add) == D(2026, 3, 24)


@pytest.mark.parametrize(
    ("status", "accepted", "due"),
    [
        ("new", None, D(2026, 3, 3)),  # acknowledged a working day after receipt
        ("new", D(2026, 3, 9), D(2026, 3, 3)),
        ("accepted", D(2026, 3, 9), D(2026, 3, 11)),
        ("accepted", None, None),
        ("assigned", D(2026, 3, 9), D(2026, 3, 30)),
        ("dispatched", D(2026, 3, 9), D(2026, 3, 30)),
        ("checked", D(2026, 3, 9), D(2026, 3, 30)),
        ("checked", None, None),
        ("answered", D(2026, 3, 9), None),
        ("closed", D(2026, 3, 9), None),
        ("refused", D(2026, 3, 9), None),
    ],
)
def test_step_due_by_status(status, accepted, due):
    assert step_due(status, received=MONDAY, accepted=accepted, d=DEFAULT, add=add) == due


def test_overdue_from_the_day_after_the_deadline():
    assert not is_overdue(D(2026, 3, 3), D(2026, 3, 3))
    assert is_overdue(D(2026, 3, 3), D(2026, 3, 4))
    assert not is_overdue(None, D(2030, 1, 1))


COUNTIES = [("360102", "东湖区"), ("360103", "西湖区"), ("360121", "南昌县"), ("360124", "进贤县"), ("360000", "安义")]


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("南昌市东湖区八一大道 1 号", "360102"),
        ("西湖 孺子路 3 号", "360103"),  # without its 区
        ("进贤温圳镇", "360124"),
        ("南昌县莲塘镇", "360121"),
        ("南昌莲塘镇", "360121"),  # 南昌 is 南昌县 without its 县
        ("东湖区与西湖区交界", None),  # two counties: ask
        ("青山湖区", None),
        ("安义县城", "360000"),  # a two-character name matches as it is
        ("安县", None),
    ],
)
def test_county_in_address(address, code):
    assert county_in_address(address, COUNTIES) == code


def test_a_two_character_county_is_not_cut_to_one():
    # "湖区" would become "湖" and match any lake; a name of two characters keeps its suffix.
    assert county_in_address("东湖路", [("1", "湖区")]) is None
    assert county_in_address("某湖区", [("1", "湖区")]) == "1"
    # Only 区/县/市 are suffixes: 新街 keeps its 街.
    assert county_in_address("新路", [("2", "新街道")]) is None
    assert county_in_address("", [("3", "")]) is None


def test_duplicate_window_to_the_second():
    a = datetime.datetime(2026, 3, 2, 10, 0, 0)
    assert duplicate_window_ok(a, a + datetime.timedelta(days=7), 7)
    assert not duplicate_window_ok(a, a + datetime.timedelta(days=7, seconds=1), 7)
    assert duplicate_window_ok(a + datetime.timedelta(days=7), a, 7)
    assert not duplicate_window_ok(a + datetime.timedelta(days=7, seconds=1), a, 7)


def test_a_full_county_name_outranks_a_shortened_one():
    # Found by mutation testing: every address in 南昌市 contains 南昌 (南昌县 without its 县), so a report from
    # "南昌市东湖区…" matched two counties and the reporter was asked to choose one.
    assert county_in_address("南昌市东湖区八一大道 1 号", COUNTIES) == "360102"
    assert county_in_address("南昌市南昌县莲塘镇", COUNTIES) == "360121"
    assert county_in_address("南昌市东湖区与西湖区交界", COUNTIES) is None
    assert county_in_address("南昌市某路", COUNTIES) == "360121"  # only the shortened name is there


def test_only_the_suffix_is_cut():
    # 南昌县 without its 县 is 南昌, not 南: a road in 南京 is not in it; 青山湖区 is 青山湖, not 青山.
    assert county_in_address("南京路 8 号", COUNTIES) is None
    assert county_in_address("青山路", [("360111", "青山湖区")]) is None
    assert county_in_address("青山湖畔", [("360111", "青山湖区")]) == "360111"
    # Only 区/县/市 are suffixes: a name ending in anything else is matched whole.
    assert county_in_address("高新路", [("9", "高新X")]) is None
