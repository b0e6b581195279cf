"""Calendar lookups as rules make them for every lesson session: working day, holiday, school vacation."""

from __future__ import annotations

import datetime
import random

from bench import Figure, rate, scratch_database


def run() -> list[Figure]:
    from shuangjian.core import calendar
    from shuangjian.core.calendar_services import calendar_day_set, school_vacation_set
    from shuangjian.core.models import DayKind, VacationKind

    figures: list[Figure] = []
    with scratch_database():
        calendar.clear_cache()
        for day in range(1, 8):
            calendar_day_set(actor=None, date=datetime.date(2027, 10, day), kind=DayKind.HOLIDAY, name="国庆节")
        for code in ("4102", "410202", "410212", "4101"):
            for year in (2025, 2026, 2027):
                school_vacation_set(
                    actor=None,
                    division_code=code,
                    kind=VacationKind.WINTER,
                    start=datetime.date(year, 1, 20),
                    end=datetime.date(year, 2, 25),
                )
                school_vacation_set(
                    actor=None,
                    division_code=code,
                    kind=VacationKind.SUMMER,
                    start=datetime.date(year, 7, 5),
                    end=datetime.date(year, 8, 31),
                )
        rng = random.Random(2026)
        start = datetime.date(2025, 1, 1)
        dates = [start + datetime.timedelta(days=rng.randrange(3 * 365)) for _ in range(100_000)]
        codes = [rng.choice(["410202", "410212001", "410102", "140105"]) for _ in range(100_000)]
        calendar.is_working_day(dates[0])  # load the per-process copy once
        n = len(dates)

        def working() -> None:
            for d in dates:
                calendar.is_working_day(d)

        def holiday() -> None:
            for d in dates:
                calendar.is_national_holiday(d)

        def vacation() -> None:
            for code, d in zip(codes, dates, strict=True):
                calendar.vacation_on(code, d)

        def between() -> None:
            for d in dates[:10_000]:
                calendar.working_days_between(d, d + datetime.timedelta(days=400))

        def add() -> None:
            for d in dates[:10_000]:
                calendar.add_working_days(d, 15)

        figures.append(("is_working_day", rate(working, count=1) * n, "calls/s"))
        figures.append(("is_national_holiday", rate(holiday, count=1) * n, "calls/s"))
        figures.append(
            ("vacation_on (county, township, other city, other province)", rate(vacation, count=1) * n, "calls/s")
        )
        figures.append(("working_days_between over 400 days", rate(between, count=1) * 10_000, "calls/s"))
        figures.append(("add_working_days(d, 15)", rate(add, count=1) * 10_000, "calls/s"))
        calendar.clear_cache()
    return figures
