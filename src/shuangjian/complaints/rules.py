"""Pure rules of public reports: tracking codes, step deadlines, overdue, and the county named in an address.

Deadlines (RULES.md, "public reports (local)"): acknowledged within 1 working day, assigned within 2, answered
within 15 working days; the statutory outer bound is 60 calendar days from acceptance (《信访工作条例》(2022)).
The numbers come in as arguments (settings ``COMPLAINTS_*``); working days are counted by the function passed
in (``core.calendar.add_working_days`` in the platform), so these functions stay pure.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# No 0/O, 1/I/L: a code read aloud over the phone cannot be misheard as another. 31 symbols × 10 = 49.5 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
_CONFUSABLE = {"0": "O", "O": "O", "1": "I", "I": "I", "L": "I"}

AddWorkingDays = Callable[[datetime.date, int], datetime.date]


def tracking_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracking_code_normalise(text: str) -> str | None:
    """A typed or spoken code (any case, with spaces or dashes) → the stored form; None if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -_\t")
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


@dataclass(frozen=True)
class Deadlines:
    acknowledge_working_days: int = 1
    assign_working_days: int = 2
    answer_working_days: int = 15
    outer_bound_days: int = 60


def acknowledge_due(received: datetime.date, d: Deadlines, add: AddWorkingDays) -> datetime.date:
    """Accept or refuse a new report within ``acknowledge_working_days`` of its receipt."""
    return add(received, d.acknowledge_working_days)


def assign_due(accepted: datetime.date, d: Deadlines, add: AddWorkingDays) -> datetime.date:
    return add(accepted, d.assign_working_days)


def answer_due(accepted: datetime.date, d: Deadlines, add: AddWorkingDays) -> datetime.date:
    """The answer is due ``answer_working_days`` after acceptance, never later than the statutory outer bound."""
    return min(add(accepted, d.answer_working_days), accepted + datetime.timedelta(days=d.outer_bound_days))


def step_due(
    status: str,
    *,
    received: datetime.date,
    accepted: datetime.date | None,
    d: Deadlines,
    add: AddWorkingDays,
) -> datetime.date | None:
    """The deadline of the step a report in ``status`` waits for (None: nothing is due from the office)."""
    if status == "new":
        return acknowledge_due(received, d, add)
    if accepted is None:
        return None
    if status == "accepted":
        return assign_due(accepted, d, add)
    if status in ("assigned", "dispatched", "checked"):
        return answer_due(accepted, d, add)
    return None


def is_overdue(due: datetime.date | None, today: datetime.date) -> bool:
    return due is not None and today > due


def county_in_address(address: str, counties: Iterable[tuple[str, str]]) -> str | None:
    """The county whose name the address text contains (full name, or without its 区/县/市 suffix when that
    leaves two characters or more); None when no county or more than one county matches. A full name outranks a
    shortened one: "南昌市东湖区…" is 东湖区, although 南昌县 without its 县 is in it too."""
    full: set[str] = set()
    short: set[str] = set()
    for code, name in counties:
        if name and name in address:
            full.add(code)
        elif len(name) >= 3 and name[-1] in "区县市" and name[:-1] in address:
            short.add(code)
    found = full or short
    return found.pop() if len(found) == 1 else None


def duplicate_window_ok(a: datetime.datetime, b: datetime.datetime, window_days: int) -> bool:
    return abs(a - b) <= datetime.timedelta(days=window_days)
