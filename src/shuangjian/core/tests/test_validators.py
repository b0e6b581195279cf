import datetime as dt

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.core.fields import MobileField, ResidentIdField, UsccField
from shuangjian.core.validators import (
    USCC_CHARSET,
    birth_date_from_resident_id,
    make_resident_id,
    make_uscc,
    mask_phone,
    mask_resident_id,
    mobile_validator,
    org_code_check_char,
    resident_id_validator,
    uscc_check_char,
    uscc_validator,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

# Published codes of real organisations; each passes both the GB 32100 and the GB 11714 check.
REAL_USCCS = [
    "91350100M000100Y43",
    "91110000802100433B",
    "91110108551385082Q",
    "911100007109288314",
    "91440300708461136T",
]


def code_of(func, value):
    with pytest.raises(ValidationError) as info:
        func(value)
    return info.value.code


# --- USCC ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("uscc", REAL_USCCS)
def test_real_uscc_passes(uscc):
    assert validate_uscc(uscc) == uscc


def test_uscc_is_normalised():
    assert validate_uscc("  91350100m000100y43 ") == "91350100M000100Y43"
    # Full-width characters from a Chinese input method count as their ASCII forms.
    assert validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert validate_uscc("9135 0100 M000 100Y 43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "uscc_length"),
        (None, "uscc_length"),
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M000100Y433", "uscc_length"),
        ("91350100O000100Y43", "uscc_character"),  # letter O is not in the character set
        ("91350100M000100Y4-", "uscc_character"),
        ("91350100M000100Y44", "uscc_check"),
    ],
)
def test_uscc_errors_have_codes_and_chinese_messages(value, code):
    with pytest.raises(ValidationError) as info:
        validate_uscc(value)
    assert info.value.code == code
    assert "统一社会信用代码" in info.value.messages[0]


def test_uscc_with_wrong_organisation_code_check_is_refused():
    # Characters 1-17 with a wrong organisation-code check, then a correct mod-31 check over them.
    body17 = "91350100M000100Y" + ("5" if org_code_check_char("M000100Y") != "5" else "6")
    value = body17 + uscc_check_char(body17)
    assert code_of(validate_uscc, value) == "uscc_org_code"


def test_uscc_length_message_gives_the_count():
    with pytest.raises(ValidationError) as info:
        validate_uscc("123")
    assert "3位" in info.value.messages[0]


uscc_bodies = st.text(alphabet=USCC_CHARSET, min_size=16, max_size=16)


@settings(max_examples=150)
@given(uscc_bodies)
def test_every_made_uscc_is_valid(body):
    uscc = make_uscc(body)
    assert len(uscc) == 18
    assert uscc.startswith(body)
    assert validate_uscc(uscc) == uscc
    assert validate_uscc(uscc.lower()) == uscc


@settings(max_examples=60)
@given(uscc_bodies)
def test_every_single_substitution_in_a_uscc_is_caught_by_the_mod31_check(body):
    """Exhaustive per example: every position, every other character of the set gives exactly ``uscc_check``.

    (31 is prime and every weight is non-zero mod 31, so no substitution can keep the sum.)
    """
    uscc = make_uscc(body)
    for position in range(18):
        for char in USCC_CHARSET:
            if char == uscc[position]:
                continue
            changed = uscc[:position] + char + uscc[position + 1 :]
            assert code_of(validate_uscc, changed) == "uscc_check", changed


@settings(max_examples=60)
@given(uscc_bodies, st.integers(0, 17), st.sampled_from("IOSVZ-*#_"))
def test_a_character_outside_the_set_is_a_character_error(body, position, char):
    uscc = make_uscc(body)
    changed = uscc[:position] + char + uscc[position + 1 :]
    assert code_of(validate_uscc, changed) == "uscc_character"


def test_make_uscc_recomputes_the_organisation_code_check():
    made = make_uscc("91410202MA12345X7")  # the given 17th character is replaced
    assert made[16] == org_code_check_char("MA12345X")
    assert validate_uscc(made) == made
    with pytest.raises(ValueError):
        make_uscc("9141")
    with pytest.raises(ValueError):
        make_uscc("91410202OA12345X")


# --- resident identity numbers --------------------------------------------------------------------------------


@st.composite
def resident_ids(draw):
    division = draw(st.sampled_from(["410202", "410212", "410102", "140105", "360102"]))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today() - dt.timedelta(days=1)))
    sequence = draw(st.integers(0, 999))
    return make_resident_id(f"{division}{born:%Y%m%d}{sequence:03d}"), born


@settings(max_examples=150)
@given(resident_ids())
def test_every_made_resident_id_is_valid(generated):
    number, born = generated
    assert validate_resident_id(number) == number
    assert validate_resident_id(number.lower()) == number
    assert birth_date_from_resident_id(number) == born


@settings(max_examples=60)
@given(resident_ids())
def test_every_single_substitution_in_a_resident_id_is_caught(generated):
    """Exhaustive per example. A digit for a digit (or the check character) is always ``id_check``: the weights
    are non-zero mod 11 and digits differ by less than 11; an X in the first 17 is ``id_character``."""
    number, _ = generated
    for position in range(18):
        for char in "0123456789X":
            if char == number[position]:
                continue
            changed = number[:position] + char + number[position + 1 :]
            expected = "id_character" if char == "X" and position < 17 else "id_check"
            assert code_of(validate_resident_id, changed) == expected, changed


@pytest.mark.parametrize(
    ("body17", "code"),
    [
        ("41020220230230123", "id_birth_date"),  # 30 February
        ("41020218991231123", "id_birth_date"),  # before 1900
        ("41020299991231123", "id_birth_date"),  # in the future
    ],
)
def test_impossible_birth_dates_are_refused(body17, code):
    assert code_of(validate_resident_id, make_resident_id(body17)) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("410202800101123", "id_length"),  # 15-digit first-generation number
        ("", "id_length"),
        ("41020219800101123A", "id_character"),
        ("4102021980010112X3", "id_character"),
    ],
)
def test_resident_id_errors(value, code):
    with pytest.raises(ValidationError) as info:
        validate_resident_id(value)
    assert info.value.code == code
    assert "身份证" in info.value.messages[0]


def test_birth_date_from_invalid_number_raises():
    with pytest.raises(ValidationError):
        birth_date_from_resident_id("41020219800101123A")


def test_masks():
    number = make_resident_id("41020220100101123")
    assert mask_resident_id(number) == "410202********" + number[-4:]
    assert mask_resident_id("") == ""
    assert mask_resident_id("12345") == "*****"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("123") == "***"


# --- mobile numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["13800138000", " 138 0013 8000 ", "138-0013-8000", "+86 13800138000", "8613800138000", "１３８００１３８０００"],
)
def test_mobile_numbers_are_normalised(value):
    assert validate_mobile(value) == "13800138000"


@pytest.mark.parametrize(
    "value", ["", "1380013800", "138001380001", "12800138000", "23800138000", "1380013800a", "010-12345678"]
)
def test_bad_mobile_numbers_are_refused(value):
    with pytest.raises(ValidationError) as info:
        validate_mobile(value)
    assert info.value.code == "mobile_invalid"
    assert "手机号码" in info.value.messages[0]


@settings(max_examples=100)
@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_mainland_mobile_pattern_passes(second, rest):
    number = "1" + second + rest
    assert validate_mobile(number) == number


# --- form fields and model-field validators ---------------------------------------------------------------------


class IdentityForm(forms.Form):
    uscc = UsccField()
    resident_id = ResidentIdField(required=False)
    mobile = MobileField()


def test_form_fields_return_normalised_values():
    number = make_resident_id("41020220100101123")
    form = IdentityForm(
        data={"uscc": " 91350100m000100y43", "resident_id": number.lower(), "mobile": "+86 138 0013 8000"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "uscc": "91350100M000100Y43",
        "resident_id": number,
        "mobile": "13800138000",
    }


def test_form_fields_show_chinese_errors():
    form = IdentityForm(data={"uscc": "91350100M000100Y44", "resident_id": "123", "mobile": "12345"})
    assert not form.is_valid()
    assert form.errors["uscc"] == ["统一社会信用代码校验位不正确，请核对是否输错。"]
    assert "18位" in form.errors["resident_id"][0]
    assert form.has_error("mobile", "mobile_invalid")


def test_optional_field_left_empty_is_empty_string():
    form = IdentityForm(data={"uscc": "91350100M000100Y43", "resident_id": "", "mobile": "13800138000"})
    assert form.is_valid()
    assert form.cleaned_data["resident_id"] == ""


def test_validators_work_in_a_field_validators_list():
    field = forms.CharField(validators=[uscc_validator, resident_id_validator, mobile_validator])
    with pytest.raises(ValidationError) as info:
        field.clean("91350100M000100Y44")
    assert [e.code for e in info.value.error_list] == ["uscc_check", "id_character", "mobile_invalid"]
    assert forms.CharField(validators=[uscc_validator]).clean("91350100M000100Y43") == "91350100M000100Y43"
