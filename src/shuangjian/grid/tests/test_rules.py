"""Expected, actual and on-time counts across the 2026 Mid-Autumn/National Day holidays, hand-counted.

The real 2026 calendar (chinese-calendar, as core/calendar.py reads it): 25–27 Sept are the Mid-Autumn holiday,
1–7 Oct National Day, Saturday 10 Oct a make-up workday. From Friday 25 Sept to Sunday 11 Oct (17 days) the
working days are 28, 29, 30 Sept, 8, 9 Oct and Saturday 10 Oct: six.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangjian.core import calendar
from shuangjian.grid import rules

D = datetime.date
FIRST, LAST = D(2026, 9, 25), D(2026, 10, 11)
T1, T2, COUNTY = "410202001", "410202002", "410202"


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute))


DUTIES = [
    rules.Duty(1, "410202001001", T1, COUNTY, D(2026, 9, 1)),  # officer 1, a working-day cell
    rules.Duty(1, "410202001002", T1, COUNTY, D(2026, 9, 1)),  # officer 1, a cell that reports every day
    rules.Duty(2, "410202002001", T2, COUNTY, D(2026, 10, 9), D(2026, 10, 10)),  # officer 2 for two days only
]
SUBMITTED = {
    (1, "410202001001", D(2026, 9, 28)): at(D(2026, 9, 28), 10),  # on time
    (1, "410202001001", D(2026, 9, 30)): at(D(2026, 9, 30), 21),  # after the 20:00 cut-off: late
    (1, "410202001001", D(2026, 10, 1)): at(D(2026, 10, 1), 9),  # a holiday: not expected, counts nowhere
    (1, "410202001001", D(2026, 10, 9)): at(D(2026, 10, 10), 8),  # filed the next morning: late
    (1, "410202001001", D(2026, 10, 10)): at(D(2026, 10, 10), 19, 59),  # the make-up Saturday, on time
    (2, "410202002001", D(2026, 10, 9)): at(D(2026, 10, 9), 9),  # on time
}


@pytest.fixture
def slots(db: None) -> list[rules.Slot]:
    calendar.clear_cache()
    return rules.expected_slots(
        DUTIES, FIRST, LAST, is_working_day=calendar.is_working_day, rest_day_cells={"410202001002"}
    )


def test_expected_reports_follow_holidays_and_the_make_up_workday(slots: list[rules.Slot]) -> None:
    days_of = {cell: [s.day for s in slots if s.cell == cell] for cell in ("410202001001", "410202002001")}
    assert days_of["410202001001"] == [
        D(2026, 9, 28),
        D(2026, 9, 29),
        D(2026, 9, 30),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),
    ]
    assert days_of["410202002001"] == [D(2026, 10, 9), D(2026, 10, 10)]
    # The rest-day cell reports on all 17 days, holidays included.
    assert len([s for s in slots if s.cell == "410202001002"]) == 17
    assert len(slots) == 6 + 17 + 2


def test_counts_per_cell_township_and_county(slots: list[rules.Slot]) -> None:
    by_cell = rules.tally(slots, SUBMITTED, cutoff_hour=20, group=rules.BY_CELL)
    assert by_cell["410202001001"] == rules.Tally(expected=6, actual=4, on_time=2)
    assert by_cell["410202001002"] == rules.Tally(expected=17, actual=0, on_time=0)
    assert by_cell["410202002001"] == rules.Tally(expected=2, actual=1, on_time=1)
    by_township = rules.tally(slots, SUBMITTED, cutoff_hour=20, group=rules.BY_TOWNSHIP)
    assert by_township == {T1: rules.Tally(23, 4, 2), T2: rules.Tally(2, 1, 1)}
    county = rules.tally(slots, SUBMITTED, cutoff_hour=20, group=rules.BY_COUNTY)[COUNTY]
    assert county == rules.Tally(25, 5, 3)
    assert county.reporting_rate == Fraction(1, 5) and rules.rate_percent(county.reporting_rate) == 20.0
    assert county.on_time_rate == Fraction(3, 25) and rules.rate_percent(county.on_time_rate) == 12.0
    by_officer = rules.tally(slots, SUBMITTED, cutoff_hour=20, group=rules.BY_OFFICER)
    assert by_officer == {"1": rules.Tally(23, 4, 2), "2": rules.Tally(2, 1, 1)}


def test_gaps_list_exactly_the_missing_reports(slots: list[rules.Slot]) -> None:
    gaps = rules.gaps(slots, SUBMITTED)
    assert len(gaps) == 20
    assert [(g.cell, g.day) for g in gaps if g.cell != "410202001002"] == [
        ("410202001001", D(2026, 9, 29)),
        ("410202001001", D(2026, 10, 8)),
        ("410202002001", D(2026, 10, 10)),
    ]


def test_a_later_cut_off_makes_the_evening_report_on_time(slots: list[rules.Slot]) -> None:
    assert rules.tally(slots, SUBMITTED, cutoff_hour=22, group=rules.BY_CELL)["410202001001"].on_time == 3


def test_nothing_expected_is_no_rate_not_zero() -> None:
    assert rules.Tally().reporting_rate is None and rules.rate_percent(None) is None


def weekdays(d: datetime.date) -> bool:
    return d.weekday() < 5


duty_st = st.builds(
    rules.Duty,
    officer_id=st.integers(1, 3),
    cell=st.sampled_from(["410202001001", "410202001002", "410202002001"]),
    township=st.just(T1),
    county=st.just(COUNTY),
    start=st.dates(D(2026, 1, 1), D(2026, 1, 31)),
    end=st.one_of(st.none(), st.dates(D(2026, 1, 1), D(2026, 2, 28))),
)


@given(
    duties=st.lists(duty_st, max_size=5),
    filed=st.lists(
        st.tuples(
            st.integers(1, 3),
            st.sampled_from(["410202001001", "410202002001"]),
            st.dates(D(2026, 1, 1), D(2026, 2, 28)),
            st.integers(0, 23),
        ),
        max_size=40,
    ),
)
def test_counts_are_consistent(duties: list[rules.Duty], filed: list[tuple[int, str, datetime.date, int]]) -> None:
    slots = rules.expected_slots(duties, D(2026, 1, 1), D(2026, 2, 28), is_working_day=weekdays)
    submitted = {(o, c, d): at(d, h) for o, c, d, h in filed}
    total = rules.tally(slots, submitted, cutoff_hour=20)
    t = total.get("", rules.Tally())
    assert 0 <= t.on_time <= t.actual <= t.expected == len(slots)
    assert len(rules.gaps(slots, submitted)) == t.missing
    # Groups add up to the whole.
    parts = rules.tally(slots, submitted, cutoff_hour=20, group=rules.BY_CELL).values()
    assert sum(parts, rules.Tally()) == t
    # No slot twice, none outside its duty or on a weekend.
    assert len({s.key for s in slots}) == len(slots)
    assert all(weekdays(s.day) for s in slots)


@given(
    duties=st.lists(duty_st, max_size=5),
    filed=st.lists(
        st.tuples(
            st.integers(1, 3),
            st.sampled_from(["410202001001", "410202002001"]),
            st.dates(D(2026, 1, 1), D(2026, 2, 28)),
            st.integers(0, 23),
        ),
        max_size=40,
    ),
)
def test_one_pass_tallies_equal_one_tally_per_group(
    duties: list[rules.Duty], filed: list[tuple[int, str, datetime.date, int]]
) -> None:
    """The rates page counts every grouping in one pass (``tally_many``): the same figures as one ``tally`` each,
    and the slots come in the dataclass order (day, cell, officer) the page and the gaps list show."""
    slots = rules.expected_slots(duties, D(2026, 1, 1), D(2026, 2, 28), is_working_day=weekdays)
    assert slots == sorted(slots)
    submitted = {(o, c, d): at(d, h) for o, c, d, h in filed}
    groups = (rules.BY_COUNTY, rules.BY_CELL, rules.BY_OFFICER, rules.ALL)
    many = rules.tally_many(slots, submitted, cutoff_hour=20, groups=groups)

    def straightforward(group: Callable[[rules.Slot], str]) -> dict[str, rules.Tally]:
        out: dict[str, rules.Tally] = {}
        for s in slots:
            filed_at = submitted.get(s.key)
            one = rules.Tally(
                1, int(filed_at is not None), int(filed_at is not None and rules.is_on_time(s.day, filed_at, 20))
            )
            out[group(s)] = out.get(group(s), rules.Tally()) + one
        return out

    assert many == [straightforward(g) for g in groups]
    assert rules.tally(slots, submitted, cutoff_hour=20, group=rules.BY_CELL) == straightforward(rules.BY_CELL)
    assert rules.gaps(slots, submitted) == sorted(s for s in slots if s.key not in submitted)
