import datetime as dt

import pytest

from shuangjian.core import calendar


@pytest.mark.django_db
def test_smoke():
    assert calendar.is_working_day(dt.date(2026, 2, 14))
    assert not calendar.is_working_day(dt.date(2025, 10, 8))
    assert calendar.is_national_holiday(dt.date(2025, 10, 4))
    assert not calendar.is_national_holiday(dt.date(2025, 10, 11))
    assert calendar.is_working_day(dt.date(2027, 10, 1))
    assert calendar.working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 9)) == 1
    assert calendar.add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)
    assert not calendar.holidays_entered_for(2027)
