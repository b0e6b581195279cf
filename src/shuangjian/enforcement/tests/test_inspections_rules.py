"""Pure parts of the inspections area, with Hypothesis: the notice transition table refuses every move it does
not list, and a rectification deadline is a working day exactly N working days after the notice."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangjian.core import calendar
from shuangjian.enforcement import notice_workflow as wf
from shuangjian.enforcement.models import NoticeStatus
from shuangjian.enforcement.notices import rectification_deadline

ACTIONS = [t.action for t in wf.TRANSITIONS] + ["close_anyway", ""]


@given(st.sampled_from(NoticeStatus.values), st.sampled_from(ACTIONS))
def test_a_move_is_allowed_exactly_when_the_table_lists_it(state: str, action: str) -> None:
    listed = any(t.action == action and state in t.sources for t in wf.TRANSITIONS)
    if listed:
        assert wf.transition(state, action).action == action
    else:
        with pytest.raises(ValidationError) as info:
            wf.transition(state, action)
        assert info.value.code == "invalid_transition"
        assert str(NoticeStatus(state).label) in info.value.messages[0]


def test_closed_and_escalated_notices_offer_no_move() -> None:
    for state in (NoticeStatus.CLOSED, NoticeStatus.ESCALATED):
        assert all(not wf.buttons(state, actor) for actor in (wf.OPERATOR, wf.FIELD_STAFF, wf.REGULATOR))


def test_a_move_that_needs_words_refuses_blank_ones() -> None:
    with pytest.raises(ValidationError) as info:
        wf.require(wf.BY_ACTION["escalate"], text="   ")
    assert info.value.code == "reason_required"
    wf.require(wf.BY_ACTION["follow_up"])  # needs nothing


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(
    st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2026, 12, 31)),
    st.integers(min_value=1, max_value=30),
)
def test_the_deadline_is_a_working_day_n_working_days_later(day: datetime.date, n: int) -> None:
    calendar.clear_cache()
    deadline = rectification_deadline(day, n)
    assert deadline > day
    assert calendar.is_working_day(deadline)
    assert calendar.working_days_between(day, deadline) == n
