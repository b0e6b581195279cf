import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.core.fields import YuanField
from shuangjian.core.money import MAX_FEN, format_fen, parse_yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234", 123400),
        ("1,234.5", 123450),
        ("1234.50", 123450),
        ("¥1,234.50", 123450),
        ("￥1,234.50", 123450),
        ("１，２３４．５０", 123450),  # full-width digits and punctuation
        ("1234.50元", 123450),
        (" 0.01 ", 1),
        ("0", 0),
        ("RMB 12", 1200),
        ("1,000,000.99", 100000099),
        ("0.10", 10),
        (1234, 123400),
    ],
)
def test_parse_yuan_accepts_what_people_type(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "money_invalid"),
        (None, "money_invalid"),
        ("abc", "money_invalid"),
        ("1.234.5", "money_invalid"),
        ("12,34.00", "money_invalid"),  # commas must group thousands
        ("1,2345", "money_invalid"),
        (".5", "money_invalid"),
        ("1.", "money_invalid"),
        ("1e3", "money_invalid"),
        ("1.005", "money_precision"),
        ("1,234.567", "money_precision"),
        ("-1", "money_negative"),
        ("¥-1.00", "money_negative"),
        ("99999999999999999999", "money_too_large"),
        (1.5, "money_invalid"),  # floats are never trusted to be exact
        (True, "money_invalid"),
    ],
)
def test_parse_yuan_refuses_with_a_code_and_chinese_message(text, code):
    with pytest.raises(ValidationError) as info:
        parse_yuan(text)
    assert info.value.code == code
    assert "金额" in info.value.messages[0] or "不是有效的金额" in info.value.messages[0]


def test_negatives_when_allowed():
    assert parse_yuan("-1,234.50", allow_negative=True) == -123450
    assert parse_yuan("−0.01", allow_negative=True) == -1  # U+2212 minus sign
    assert parse_yuan("-¥5", allow_negative=True) == -500
    assert parse_yuan("¥-5", allow_negative=True) == -500
    assert parse_yuan("-0", allow_negative=False) == 0
    with pytest.raises(ValidationError):
        parse_yuan("--5", allow_negative=True)


@pytest.mark.parametrize(
    ("fen", "text", "with_symbol"),
    [
        (0, "0.00", "¥0.00"),
        (1, "0.01", "¥0.01"),
        (123450, "1,234.50", "¥1,234.50"),
        (-123450, "-1,234.50", "-¥1,234.50"),
        (100000000, "1,000,000.00", "¥1,000,000.00"),
    ],
)
def test_format_fen(fen, text, with_symbol):
    assert format_fen(fen) == text
    assert format_fen(fen, symbol=True) == with_symbol


def test_format_fen_refuses_floats():
    with pytest.raises(TypeError):
        format_fen(12.5)  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN), st.booleans())
def test_format_then_parse_is_the_identity(fen, symbol):
    assert parse_yuan(format_fen(fen, symbol=symbol), allow_negative=True) == fen


@settings(max_examples=100)
@given(st.integers(min_value=0, max_value=10**12), st.integers(0, 99))
def test_plain_decimal_strings_parse_exactly(yuan, cents):
    assert parse_yuan(f"{yuan}.{cents:02d}") == yuan * 100 + cents


def render(template, **context):
    return Template("{% load money %}" + template).render(Context(context))


def test_yuan_filter():
    assert render("{{ v|yuan }}", v=123450) == "1,234.50"
    assert render('{{ v|yuan:"¥" }}', v=-5) == "-¥0.05"
    assert render("{{ v|yuan }}", v=None) == ""
    assert render("{{ v|yuan }}", v="not a number") == ""
    assert render("{{ v|yuan }}", v="250") == "2.50"


class PaymentForm(forms.Form):
    amount = YuanField(min_fen=1, max_fen=500000)
    adjustment = YuanField(required=False, allow_negative=True)


def test_yuan_field_returns_fen():
    form = PaymentForm(data={"amount": "1,234.50", "adjustment": "-0.5"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": 123450, "adjustment": -50}


def test_yuan_field_empty_optional_is_none():
    form = PaymentForm(data={"amount": "1", "adjustment": ""})
    assert form.is_valid()
    assert form.cleaned_data["adjustment"] is None


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "金额不能少于0.01元。"),
        ("5,000.01", "金额不能超过5,000.00元。"),
        ("1.001", "金额最多保留两位小数（精确到分）。"),
        ("-3", "金额不能为负数。"),
        ("", "这个字段是必填项。"),
    ],
)
def test_yuan_field_errors_are_chinese(amount, message):
    form = PaymentForm(data={"amount": amount})
    assert not form.is_valid()
    assert form.errors["amount"] == [message]


def test_yuan_field_shows_initial_fen_as_yuan():
    form = PaymentForm(initial={"amount": 123450})
    assert 'value="1,234.50"' in str(form["amount"])
    assert 'inputmode="decimal"' in str(form["amount"])


def test_yuan_field_notices_changes_by_amount_not_by_spelling():
    unchanged = PaymentForm(initial={"amount": 123450}, data={"amount": "¥1,234.5"})
    assert "amount" not in unchanged.changed_data
    changed = PaymentForm(initial={"amount": 123450}, data={"amount": "1234.51"})
    assert "amount" in changed.changed_data
