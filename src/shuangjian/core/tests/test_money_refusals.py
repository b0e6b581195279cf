"""Each amount refusal in full (code and the message a person reads), and the edges: one fen, the largest fen."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from shuangjian.core.money import MAX_FEN, format_fen, parse_yuan


def refusal(text: object, **kw: bool) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as info:
        parse_yuan(text, **kw)
    return info.value.code, info.value.messages[0]


@pytest.mark.parametrize("text", [None, 1.5, True, False, "", "   "])
def test_nothing_typed_or_a_float_asks_for_an_amount(text: object) -> None:
    assert refusal(text) == ("money_invalid", "请输入金额。")


def test_unreadable_amounts_are_quoted_back_cut_at_40_characters() -> None:
    assert refusal("abc") == ("money_invalid", "“abc”不是有效的金额，请输入如 1,234.50 的数字。")
    long = "x" * 50
    assert refusal(long) == ("money_invalid", f"“{'x' * 40}”不是有效的金额，请输入如 1,234.50 的数字。")


def test_three_decimals_are_refused_as_too_precise() -> None:
    assert refusal("1.005") == ("money_precision", "金额最多保留两位小数（精确到分）。")
    assert refusal("1,234.567") == ("money_precision", "金额最多保留两位小数（精确到分）。")


def test_negative_amounts_only_when_allowed() -> None:
    assert refusal("-0.01") == ("money_negative", "金额不能为负数。")
    assert refusal("−1") == ("money_negative", "金额不能为负数。")  # U+2212
    assert parse_yuan("-0.01", allow_negative=True) == -1
    assert parse_yuan("CNY-2", allow_negative=True) == -200
    assert parse_yuan("rmb 3") == 300


def test_the_largest_amount_and_one_fen_more() -> None:
    largest = format_fen(MAX_FEN)
    assert parse_yuan(largest) == MAX_FEN
    assert parse_yuan("-" + largest, allow_negative=True) == -MAX_FEN
    one_more = format_fen(MAX_FEN + 1)
    assert refusal(one_more) == ("money_too_large", "金额过大。")
    assert refusal("-" + one_more, allow_negative=True) == ("money_too_large", "金额过大。")
    assert MAX_FEN == 2**63 - 1


def test_cents_are_padded_and_integers_are_yuan() -> None:
    assert parse_yuan("1.5") == 150
    assert parse_yuan("1.05") == 105
    assert parse_yuan("12元") == 1200
    assert parse_yuan(12) == 1200
    assert format_fen(5) == "0.05"
    assert format_fen(-5, symbol=True) == "-¥0.05"
    assert format_fen(100) == "1.00"


def test_format_fen_names_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="format_fen expects int fen, got float"):
        format_fen(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got bool"):
        format_fen(True)
