"""The shared transition table: the moves a state allows, the buttons of an actor, the refusal of a requirement."""

import pytest
from django.core.exceptions import ValidationError

from shuangjian.core.workflow import Transition, TransitionTable, require

TABLE = TransitionTable(
    (
        Transition("submit", "提交", ("draft",), "submitted", "applicant"),
        Transition("approve", "准予", ("submitted",), "approved", "reviewer"),
        Transition("refuse", "不予", ("submitted",), "refused", "reviewer", "comment", "须写明理由。"),
        Transition("withdraw", "撤回", ("draft", "submitted"), "withdrawn", "applicant"),
    )
)


def test_a_move_is_found_only_from_its_sources() -> None:
    assert TABLE.find("submitted", "approve") is TABLE.by_action["approve"]
    assert TABLE.find("draft", "approve") is None
    assert TABLE.find("draft", "no-such-action") is None


def test_moves_from_a_state_keep_the_tables_order_and_filter_by_actor() -> None:
    assert [t.action for t in TABLE.from_state("submitted")] == ["approve", "refuse", "withdraw"]
    assert [t.action for t in TABLE.from_state("submitted", "applicant")] == ["withdraw"]
    assert TABLE.from_state("approved") == ()


def test_a_step_is_named_by_the_move_that_makes_it() -> None:
    assert TABLE.label_of_step("submitted", "refused") == "不予"
    assert TABLE.label_of_step("approved", "refused") is None


def test_a_missing_requirement_is_refused_with_the_moves_message() -> None:
    refuse = TABLE.by_action["refuse"]
    with pytest.raises(ValidationError) as refused:
        require(refuse, {"comment": False})
    assert refused.value.messages == ["须写明理由。"]
    assert refused.value.code == "comment_required"
    require(refuse, {"comment": True})
    require(TABLE.by_action["approve"], {})  # a move that needs nothing passes with nothing given
