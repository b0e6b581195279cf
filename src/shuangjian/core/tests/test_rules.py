"""The shape every rule returns: a violation's fields, and the error that carries all of them."""

from __future__ import annotations

import pytest

from shuangjian.core.rules import RuleViolationError, Violation, raise_if_any


def test_a_violation_keeps_code_message_basis_and_field() -> None:
    v = Violation("class_full", "班级已满。", "课程备案班额", "class_group")
    assert v.as_dict() == {
        "code": "class_full",
        "message": "班级已满。",
        "basis": "课程备案班额",
        "field": "class_group",
    }
    assert Violation("x", "m", "b").field == ""


def test_nothing_broken_raises_nothing() -> None:
    raise_if_any([])
    raise_if_any(iter(()))


def test_every_violation_reaches_the_error_with_its_basis() -> None:
    first = Violation("a", "第一条。", "依据一", "f")
    second = Violation("b", "第二条。", "依据二")
    with pytest.raises(RuleViolationError) as caught:
        raise_if_any(v for v in (first, second))
    assert caught.value.violations == [first, second]
    assert caught.value.messages == ["第一条。（依据：依据一）", "第二条。（依据：依据二）"]
