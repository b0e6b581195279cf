"""The rates page counts per officer and cell (``rules.expected_held``, ``tally_held``, ``held_gaps``) and takes each
report's local submission date and hour from the database (``services.filed_between``). Its figures must be the
ones the slot-per-day rule gave before: the old ``expected_slots`` is kept here word for word as the oracle, with
``tally_many``, ``gaps`` and ``submitted_map`` (which parses each timestamp in Python) behind it. Checked on
generated duties (starting and ending inside the period, overlapping), calendars (weekdays off, weekends worked),
rest-day cells, cut-off hours and submissions (early, late, after midnight, none), first on the pure rules, then
through the database for a platform administrator, a city and a county regulator."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shuangjian.core import calendar
from shuangjian.core.models import Division, DivisionLevel, GridAssignment, GridCell, User
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory
from shuangjian.grid import rules, selectors, services
from shuangjian.grid.models import GridReport, Reminder

from .factories import cells, officer

D = datetime.date
GROUPS = (rules.BY_COUNTY, rules.BY_TOWNSHIP, rules.ALL)


def slots_as_before(
    duties: Iterable[rules.Duty],
    first: datetime.date,
    last: datetime.date,
    *,
    is_working_day: Callable[[datetime.date], bool],
    rest_day_cells: Collection[str] = (),
) -> list[rules.Slot]:
    """``rules.expected_slots`` as it was before ``expected_held`` (the oracle; do not "improve" it)."""
    period = [(day, is_working_day(day)) for day in rules.days(first, last)]
    slots: dict[tuple[int, str, datetime.date], rules.Slot] = {}
    for duty in duties:
        start = (max(first, duty.start) - first).days
        stop = ((min(last, duty.end) if duty.end is not None else last) - first).days + 1
        rest_day_cell = duty.cell in rest_day_cells
        for day, works in period[max(start, 0) : max(stop, 0)]:
            if rest_day_cell or works:
                key = (duty.officer_id, duty.cell, day)
                if key not in slots:
                    slots[key] = rules.Slot(day, duty.cell, duty.officer_id, duty.township, duty.county)
    return sorted(slots.values())


# --- the pure rules ------------------------------------------------------------------------------------------------

CELLS = ["410202001001", "410202001002", "410202002001", "410212001001"]
FIRST, LAST = D(2026, 3, 2), D(2026, 3, 29)
AROUND = (D(2026, 2, 20), D(2026, 4, 10))

duty_st = st.builds(
    lambda officer_id, cell, start, end: rules.Duty(officer_id, cell, cell[:9], cell[:6], start, end),
    st.integers(1, 3),
    st.sampled_from(CELLS),
    st.dates(*AROUND),
    st.one_of(st.none(), st.dates(*AROUND)),
)
# (officer, cell, day) → submitted this many days after the day (−1: the evening before), at this hour.
filed_st = st.dictionaries(
    st.tuples(st.integers(1, 3), st.sampled_from(CELLS), st.dates(*AROUND)),
    st.tuples(st.sampled_from([-1, 0, 0, 0, 1, 3]), st.integers(0, 23), st.integers(0, 59)),
    max_size=60,
)


@given(
    duties=st.lists(duty_st, max_size=8),
    filed=filed_st,
    # Days whose working status is the opposite of Monday–Friday (a weekday off, a weekend worked).
    flipped=st.frozensets(st.dates(FIRST, LAST), max_size=8),
    rest_day_cells=st.frozensets(st.sampled_from(CELLS), max_size=2),
    cutoff=st.sampled_from([0, 9, 20, 24]),
    first=st.dates(FIRST, D(2026, 3, 15)),
    length=st.integers(0, 14),
)
def test_held_days_count_as_the_slots_did(
    duties: list[rules.Duty],
    filed: dict[tuple[int, str, datetime.date], tuple[int, int, int]],
    flipped: frozenset[datetime.date],
    rest_day_cells: frozenset[str],
    cutoff: int,
    first: datetime.date,
    length: int,
) -> None:
    last = first + datetime.timedelta(days=length)

    def working(day: datetime.date) -> bool:
        return (day.weekday() < 5) != (day in flipped)

    before = slots_as_before(duties, first, last, is_working_day=working, rest_day_cells=rest_day_cells)
    assert rules.expected_slots(duties, first, last, is_working_day=working, rest_day_cells=rest_day_cells) == before

    submitted = {
        (o, c, d): datetime.datetime.combine(d + datetime.timedelta(days=late), datetime.time(hour, minute))
        for (o, c, d), (late, hour, minute) in filed.items()
    }
    by_pair: dict[tuple[int, str], list[tuple[datetime.date, datetime.date, int]]] = {}
    for (o, c, d), at in submitted.items():
        by_pair.setdefault((o, c), []).append((d, at.date(), at.hour))
    on_time = {pair: rules.reported(filed, cutoff) for pair, filed in by_pair.items()}
    held = rules.expected_held(duties, first, last, is_working_day=working, rest_day_cells=rest_day_cells)
    assert rules.tally_held(held, on_time, groups=GROUPS) == rules.tally_many(
        before, submitted, cutoff_hour=cutoff, groups=GROUPS
    )
    assert rules.held_gaps(held, on_time) == rules.gaps(before, submitted)


def test_the_evening_before_and_the_cut_off_minute() -> None:
    """``is_on_time_local`` is ``is_on_time`` on the date and hour: the evening before counts, the cut-off hour
    itself does not, a day late never does."""
    day = D(2026, 3, 4)
    for at, expected in (
        (datetime.datetime(2026, 3, 3, 23, 0), True),
        (datetime.datetime(2026, 3, 4, 19, 59), True),
        (datetime.datetime(2026, 3, 4, 20, 0), False),
        (datetime.datetime(2026, 3, 5, 7, 0), False),
    ):
        assert rules.is_on_time(day, at, 20) is expected
        assert rules.is_on_time_local(day, at.date(), at.hour, 20) is expected


# --- through the database ------------------------------------------------------------------------------------------


def rates_as_before(reach: str, first: datetime.date, last: datetime.date) -> dict[str, Any]:
    """The figures as ``rates_for_user`` computed them before: one slot per expected day, timestamps in Python."""
    slots = slots_as_before(
        services.duties_covering(first, last, reach),
        first,
        last,
        is_working_day=calendar.is_working_day,
        rest_day_cells=frozenset(settings.GRID_REST_DAY_CELLS),
    )
    submitted = services.submitted_map(first, last, reach)
    by_county, by_township, overall = rules.tally_many(
        slots, submitted, cutoff_hour=settings.GRID_REPORT_CUTOFF_HOUR, groups=GROUPS
    )
    names = dict(Division.objects.values_list("code", "name"))
    missing = list(reversed(rules.gaps(slots, submitted)))
    officers = dict(User.objects.values_list("pk", "display_name"))
    cell_names = dict(GridCell.objects.values_list("code", "name"))
    reminded = set(Reminder.objects.values_list("officer_id", "cell_id", "day"))
    return {
        "total": overall.get("", rules.Tally()),
        "counties": [(c, names.get(c, c), t) for c, t in sorted(by_county.items())],
        "townships": [(c, names.get(c, c), t) for c, t in sorted(by_township.items())],
        "gaps": [
            (
                s,
                names.get(s.township, s.township),
                officers.get(s.officer_id, "") or str(s.officer_id),
                cell_names.get(s.cell, s.cell),
                s.key in reminded,
            )
            for s in missing
        ],
    }


def rates_now(user: User, first: datetime.date, last: datetime.date) -> dict[str, Any]:
    data = selectors.rates_for_user(user, first, last)
    return {
        "total": data.total,
        "counties": [(r.code, r.name, r.tally) for r in data.counties],
        "townships": [(r.code, r.name, r.tally) for r in data.townships],
        "gaps": [(g.slot, g.township, g.officer, g.cell, g.reminded) for g in data.gaps],
    }


@pytest.fixture
def province(db: None) -> dict[str, Any]:
    """Four cells in two counties (three townships), three officers, and three readers of the rates."""
    c1, c2, c3 = cells()
    Division.objects.get_or_create(
        code="410212001", defaults={"name": "城关镇", "level": DivisionLevel.TOWNSHIP, "parent_id": "410212"}
    )
    c4, _ = GridCell.objects.get_or_create(
        code="410212001001", defaults={"name": "城关第1网格", "township_id": "410212001"}
    )
    return {
        "cells": [c1, c2, c3, c4],
        "officers": [officer(username=f"g_eq{n}") for n in range(3)],
        "readers": [
            PlatformAdminFactory.create(username="g_eq_admin"),
            RegulatorFactory.create(username="g_eq_city", scope_code="4102"),
            RegulatorFactory.create(username="g_eq_county", scope_code="410202"),
        ],
    }


# Around the 2026 Mid-Autumn and National Day holidays: 25–27 Sept and 1–7 Oct off, Saturday 10 Oct worked.
AROUND_HOLIDAYS = (D(2026, 9, 15), D(2026, 10, 20))


@hypothesis_settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    duties=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 3),
            st.dates(*AROUND_HOLIDAYS),
            st.one_of(st.none(), st.integers(0, 25)),  # days from start to end (an end before start is refused)
        ),
        max_size=6,
    ),
    data=st.data(),
    rest_day_cell=st.one_of(st.none(), st.integers(0, 3)),
    cutoff=st.sampled_from([8, 20, 24]),
    first=st.dates(D(2026, 9, 20), D(2026, 10, 8)),
    length=st.integers(0, 20),
)
def test_the_page_figures_equal_the_slot_rule(
    province: dict[str, Any],
    duties: list[tuple[int, int, datetime.date, int | None]],
    data: st.DataObject,
    rest_day_cell: int | None,
    cutoff: int,
    first: datetime.date,
    length: int,
) -> None:
    cell_rows, officers = province["cells"], province["officers"]
    last = first + datetime.timedelta(days=length)
    # Most reports come from an officer for a cell they hold (else few would count); some from anyone.
    pairs = st.tuples(st.integers(0, 2), st.integers(0, 3))
    if duties:
        pairs = st.one_of(st.sampled_from([(o, c) for o, c, _s, _e in duties]), pairs)
    filed = data.draw(
        st.dictionaries(
            st.tuples(pairs, st.dates(first - datetime.timedelta(days=2), last + datetime.timedelta(days=2))),
            # Submitted this many days after the day (−1: the evening before), at this local hour and minute.
            st.tuples(st.sampled_from([-1, 0, 0, 0, 1, 2]), st.integers(0, 23), st.integers(0, 59)),
            max_size=40,
        )
    )
    rest_day_cells = [] if rest_day_cell is None else [cell_rows[rest_day_cell].code]
    with transaction.atomic(), override_settings(GRID_REST_DAY_CELLS=rest_day_cells, GRID_REPORT_CUTOFF_HOUR=cutoff):
        for o, c, start, span in duties:
            end = None if span is None else start + datetime.timedelta(days=span)
            GridAssignment.objects.create(officer=officers[o], cell=cell_rows[c], start=start, end=end)
        for ((o, c), day), (late, hour, minute) in filed.items():
            report_at(officers[o], cell_rows[c], day, day + datetime.timedelta(days=late), hour, minute)
        services.grid_reminders_send(day=first)  # reminders for the first day's gaps: the gaps list flags them
        for reader in province["readers"]:
            reach = "" if reader.is_platform_admin else reader.scope_code
            assert rates_now(reader, first, last) == rates_as_before(reach, first, last)
            # The gaps are built when read: indexing and slicing (the page's first 200) read as a list's would.
            gaps = selectors.rates_for_user(reader, first, last).gaps
            everything = list(gaps)
            assert len(gaps) == len(everything)
            assert gaps[:200] == everything[:200] and gaps[1:4] == everything[1:4] and gaps[::-2] == everything[::-2]
            if everything:
                assert gaps[0] == everything[0] and gaps[-1] == everything[-1]
            with pytest.raises(IndexError):
                gaps[len(everything)]
        transaction.set_rollback(True)


def report_at(user: User, cell: GridCell, day: datetime.date, on: datetime.date, hour: int, minute: int = 0) -> None:
    """A report for ``day`` submitted at local (Asia/Shanghai) time ``on`` ``hour``:``minute``. Before 08:00 the
    UTC date is the day before, so a database that took the date in UTC would count these wrongly."""
    at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(hour, minute)))
    GridReport.objects.create(officer=user, cell=cell, day=day, submitted_at=at, **services.cell_codes(cell))


def test_on_time_is_by_local_date_and_hour(province: dict[str, Any]) -> None:
    """Reports filed around midnight and around the 20:00 cut-off, counted by the local clock."""
    cell, user, admin = province["cells"][0], province["officers"][0], province["readers"][0]
    GridAssignment.objects.create(officer=user, cell=cell, start=D(2026, 9, 1))
    # Monday 28 Sept to Wednesday 30 Sept and Thursday 8 Oct: four working days.
    report_at(user, cell, D(2026, 9, 28), D(2026, 9, 27), 23, 30)  # the evening before: on time
    report_at(user, cell, D(2026, 9, 29), D(2026, 9, 30), 3)  # 03:00 the next day (UTC: still the 29th): late
    report_at(user, cell, D(2026, 9, 30), D(2026, 9, 30), 19, 59)  # on time
    report_at(user, cell, D(2026, 10, 8), D(2026, 10, 8), 20)  # at the cut-off: late
    data = selectors.rates_for_user(admin, D(2026, 9, 28), D(2026, 10, 8))
    assert data.total == rules.Tally(expected=4, actual=4, on_time=2)
    assert rates_now(admin, D(2026, 9, 28), D(2026, 10, 8)) == rates_as_before("", D(2026, 9, 28), D(2026, 10, 8))


def test_a_report_filed_shows_at_once(province: dict[str, Any]) -> None:
    """Nothing is kept between views: the report filed a moment ago is on the next view's figures."""
    cell = province["cells"][0]
    user = province["officers"][0]
    last = timezone.localdate() - datetime.timedelta(days=1)
    first = last - datetime.timedelta(days=13)
    GridAssignment.objects.create(officer=user, cell=cell, start=first - datetime.timedelta(days=30))
    day = max(d for d in rules.days(first, last) if calendar.is_working_day(d))
    client = Client()
    client.force_login(province["readers"][2])
    query = {"first": first.isoformat(), "last": last.isoformat()}
    before = client.get(reverse("grid:rates"), query).context["data"]
    assert before.total.actual == 0 and before.total.expected > 0
    assert any(g.slot.day == day for g in before.gaps)
    services.grid_report_zero(actor=user, cell=cell, day=day)
    after = client.get(reverse("grid:rates"), query).context["data"]
    assert (after.total.expected, after.total.actual) == (before.total.expected, 1)
    assert len(after.gaps) == len(before.gaps) - 1
    assert not any(g.slot.day == day for g in after.gaps)
