"""Shared access helpers: the character check every name goes through, and the scoped row lock."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from hypothesis import given
from hypothesis import strategies as st

from shuangjian.core.access import (
    INVISIBLE_CHARACTERS,
    has_forbidden_characters,
    lock_in_scope_or_404,
    validate_printable,
)
from shuangjian.core.models import Division
from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory

HIDDEN = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("char", [*HIDDEN, "\x00", "\x1f", "\x7f", "\n"])
def test_a_name_hiding_a_character_is_refused_with_a_chinese_message(char: str) -> None:
    name = f"龙亭启航{char}培训学校"
    assert has_forbidden_characters(name)
    with pytest.raises(ValidationError) as refused:
        validate_printable(name)
    assert refused.value.code == "forbidden_characters"
    assert "不可见字符" in refused.value.messages[0]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs"))))
def test_printable_text_passes(text: str) -> None:
    # Format characters (Cf) include every invisible and direction mark that hide a name, and the soft hyphen.
    assert not has_forbidden_characters(text)


def test_every_listed_invisible_character_is_a_format_character() -> None:
    import unicodedata

    assert {unicodedata.category(c) for c in INVISIBLE_CHARACTERS} == {"Cf"}


def test_full_width_brackets_and_middle_dots_stay_allowed() -> None:
    assert not has_forbidden_characters("开封市龙亭区（启航）培训学校·分部")


@pytest.mark.django_db(transaction=False)
def test_lock_in_scope_or_404_refuses_rows_out_of_reach() -> None:
    street = DivisionFactory.create(code="410202001", name="北书店街道", level="township")
    here = RegulatorFactory.create(scope_code="410202")
    assert lock_in_scope_or_404(Division.objects.all(), here, "code", pk=street.pk) == street
    with pytest.raises(Http404):
        lock_in_scope_or_404(Division.objects.all(), RegulatorFactory.create(scope_code="410212"), "code", pk=street.pk)
    with pytest.raises(Http404):
        lock_in_scope_or_404(Division.objects.all(), here, "code", pk="not-a-number")
