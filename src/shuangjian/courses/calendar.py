"""The school calendar that the courses rules read: core's holidays, make-up workdays and vacations as predicates.

Its own module so that the scan, the demo and the services share it without the scan importing the services
(which start the scan's task).
"""

from __future__ import annotations

import datetime

from shuangjian.core import calendar as core_calendar

from . import rules


def school_calendar() -> rules.SchoolCalendar:
    """The real calendar (core.calendar: holidays, make-up workdays, vacations per division) as rule predicates."""

    def vacation_kind(code: str, day: datetime.date) -> str | None:
        vacation = core_calendar.vacation_on(code, day)
        return vacation.kind if vacation is not None else None

    return rules.SchoolCalendar(
        is_rest_day=core_calendar.is_rest_day,
        is_national_holiday=core_calendar.is_national_holiday,
        vacation_on=vacation_kind,
    )
