"""The demo's payment calendar: weeks of history, and one institution whose money comes in this week."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from ..demo import HISTORY_WEEKS, SPIKE_EARLIER_WEEKS, _as_of, _payment_days


def test_history_spreads_over_past_weeks_and_the_spike_lands_this_week() -> None:
    today = datetime.date(2026, 12, 1)  # a Tuesday
    week_start = datetime.date(2026, 11, 30)
    enrolments: list[Any] = [SimpleNamespace(pk=n, institution_id=n // 10) for n in range(40)]
    days = _payment_days(enrolments, spike=3, today=today)
    spike = sorted(days[e.pk] for e in enrolments if e.institution_id == 3)
    assert spike[0] == week_start - datetime.timedelta(weeks=SPIKE_EARLIER_WEEKS) + datetime.timedelta(days=1)
    assert spike[1:] == [today] * (len(spike) - 1)
    others = [days[e.pk] for e in enrolments if e.institution_id != 3]
    assert all(week_start - datetime.timedelta(weeks=HISTORY_WEEKS) <= d < week_start for d in others)
    assert {-((d - week_start).days // 7) for d in others} == set(range(1, HISTORY_WEEKS + 1))


def test_as_of_moves_djangos_clock_only_inside_the_block() -> None:
    day = datetime.date(2026, 10, 5)
    with _as_of(day):
        assert timezone.localdate() == day
    assert timezone.localdate() != day
