"""Penalty-case deadlines (行政处罚法 2021, RULES.md "Enforcement"): pure functions of dates.

Counting (RULES.md "counting days"): the law's 2, 3, 5 and 7 days are working days (statutory holidays do not
count, make-up workdays do); 15 and 90 days are calendar days. A period starts the day after the event: the
deadline is the last day on which the act is still in time.
"""

from __future__ import annotations

import datetime

from shuangjian.core.calendar import add_working_days

# 行政处罚法 (2021) art. 64: a hearing is asked for within 5 (working) days of being informed.
HEARING_REQUEST_WORKING_DAYS = 5
# Same article: the party is told of the hearing 7 (working) days before it is held.
HEARING_NOTICE_WORKING_DAYS = 7
# Art. 61: a decision not handed over on the spot is served within 7 (working) days.
SERVE_WORKING_DAYS = 7
# Art. 67: a fine is paid within 15 (calendar) days of receiving the decision.
PAY_CALENDAR_DAYS = 15
# Art. 60: decided within 90 (calendar) days of filing, unless extended with approval and a reason.
DECIDE_CALENDAR_DAYS = 90
# Art. 72: +3 % of the fine per day late, the surcharge never more than the fine.
SURCHARGE_PERCENT_PER_DAY = 3
# Art. 36: not punished if undiscovered for 2 years; 5 where life, health or financial safety is harmed.
LIMITATION_YEARS = 2
LIMITATION_YEARS_SERIOUS = 5


def hearing_request_deadline(informed_on: datetime.date) -> datetime.date:
    """The last day the party may ask for a hearing (5 working days after being informed)."""
    return add_working_days(informed_on, HEARING_REQUEST_WORKING_DAYS)


def defence_deadline(informed_on: datetime.date, working_days: int) -> datetime.date:
    """The last day of the defence period (the setting ENFORCEMENT_DEFENCE_WORKING_DAYS working days)."""
    return add_working_days(informed_on, working_days)


def earliest_hearing_day(notice_sent_on: datetime.date) -> datetime.date:
    """The first day a hearing may be held: 7 working days after its notice."""
    return add_working_days(notice_sent_on, HEARING_NOTICE_WORKING_DAYS)


def serve_deadline(decided_on: datetime.date) -> datetime.date:
    return add_working_days(decided_on, SERVE_WORKING_DAYS)


def payment_deadline(served_on: datetime.date) -> datetime.date:
    return served_on + datetime.timedelta(days=PAY_CALENDAR_DAYS)


def decision_deadline(filed_on: datetime.date, extension_days: int = 0) -> datetime.date:
    """The last day to decide: 90 calendar days after filing plus any approved extension."""
    return filed_on + datetime.timedelta(days=DECIDE_CALENDAR_DAYS + max(extension_days, 0))


def late_surcharge_fen(fine_fen: int, served_on: datetime.date, paid_on: datetime.date) -> int:
    """加处罚款: 3 % of the fine per day paid after the deadline, never more than the fine (whole fen, rounded down)."""
    if fine_fen <= 0:
        return 0
    days_late = (paid_on - payment_deadline(served_on)).days
    if days_late <= 0:
        return 0
    return min(fine_fen * SURCHARGE_PERCENT_PER_DAY * days_late // 100, fine_fen)


def add_years(d: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def limitation_expired(act_on: datetime.date, discovered_on: datetime.date, *, serious: bool = False) -> bool:
    """True if the act went undiscovered longer than the limitation period (2 years; 5 when serious)."""
    years = LIMITATION_YEARS_SERIOUS if serious else LIMITATION_YEARS
    return discovered_on > add_years(act_on, years)
