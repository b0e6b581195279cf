"""Each identifier refusal in full: the code and the exact Chinese message a person reads, and every edge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from shuangjian.core import validators
from shuangjian.core.validators import (
    birth_date_from_resident_id,
    make_resident_id,
    make_uscc,
    mask_phone,
    mask_resident_id,
    mobile_validator,
    org_code_check_char,
    resident_id_check_char,
    resident_id_validator,
    uscc_check_char,
    uscc_validator,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

GOOD_USCC = "91350100M000100Y43"


def refusal(func, value) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as info:
        func(value)
    return info.value.code, info.value.messages[0]


def test_uscc_refusals_say_what_is_wrong() -> None:
    assert refusal(validate_uscc, "123") == ("uscc_length", "统一社会信用代码应为18位，当前为3位。")
    assert refusal(validate_uscc, None) == ("uscc_length", "统一社会信用代码应为18位，当前为0位。")
    assert refusal(validate_uscc, "91350100O000100YS3") == (
        "uscc_character",
        "统一社会信用代码含有不允许的字符“OS”（不使用I、O、S、V、Z）。",
    )
    assert refusal(validate_uscc, "91350100M000100Y44") == (
        "uscc_check",
        "统一社会信用代码校验位不正确，请核对是否输错。",
    )
    # Character 17 changed and character 18 recomputed: only the organisation-code check can tell.
    body = GOOD_USCC[:16] + ("0" if GOOD_USCC[16] != "0" else "1")
    wrong_org = body + uscc_check_char(body)
    assert refusal(validate_uscc, wrong_org) == (
        "uscc_org_code",
        "统一社会信用代码第9至17位（组织机构代码）校验不正确。",
    )


def test_check_characters_by_the_standards() -> None:
    # GB 11714: 11 - sum % 11, 10 written X and 11 written 0.
    assert org_code_check_char("M000100Y") == "4"
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000001") == "9"
    assert org_code_check_char("0000000A") == "2"  # A is worth 10: 11 - 20 % 11
    assert org_code_check_char("00000005") == "1"
    assert org_code_check_char("0000000Z") == "7"  # Z is worth 35 in GB 11714, though no USCC uses it
    assert {org_code_check_char(f"0000000{c}") for c in "0123456789ABCDEFGH"} >= {"X", "0"}
    assert org_code_check_char("00000006") == "X"
    assert uscc_check_char(GOOD_USCC[:17]) == "3"
    assert uscc_check_char("0" * 17) == "0"
    assert uscc_check_char("0" * 16 + "1") == "3"  # the 17th weight is 28: (31 - 28) % 31
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("0" * 17) == "1"
    for wrong_length in ("0" * 16, "0" * 18):
        with pytest.raises(ValueError):
            resident_id_check_char(wrong_length)
        with pytest.raises(ValueError):
            uscc_check_char(wrong_length)
    with pytest.raises(ValueError):
        org_code_check_char("0" * 7)


def test_make_uscc_builds_valid_codes_and_refuses_bad_bodies() -> None:
    made = make_uscc("91350100M000100Y")
    assert made == GOOD_USCC
    assert make_uscc("91350100M000100Y9") == GOOD_USCC
    assert make_uscc(" 91350100m000100y ") == GOOD_USCC
    # The 17th character is computed, whatever was given for it.
    assert make_uscc("91350100M000100YI") == GOOD_USCC
    for bad in ("91350100M000100", "91350100M000100Y433", "91350100O000100Y"):
        with pytest.raises(ValueError, match=r"^make_uscc needs 16 or 17 characters from the USCC character set$"):
            make_uscc(bad)


def test_resident_id_refusals_say_what_is_wrong() -> None:
    assert refusal(validate_resident_id, "410202800101123") == ("id_length", "居民身份证号码应为18位，当前为15位。")
    character = ("id_character", "居民身份证号码前17位应为数字，最后一位为数字或X。")
    assert refusal(validate_resident_id, "41020219800101123A") == character
    assert refusal(validate_resident_id, "4102021980010112X3") == character
    assert refusal(validate_resident_id, "4102021980010112٣X") == character  # an Arabic-Indic digit
    assert refusal(validate_resident_id, "41020219800101123٣") == character  # also as the last character
    number = make_resident_id("41020219800101123")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert refusal(validate_resident_id, wrong) == ("id_check", "居民身份证号码校验位不正确，请核对是否输错。")
    assert refusal(validate_resident_id, make_resident_id("41020220230230123")) == (
        "id_birth_date",
        "居民身份证号码中的出生日期不是有效日期。",
    )


@override_settings(USE_TZ=True, TIME_ZONE="Asia/Shanghai")
def test_birth_dates_from_1900_to_today_are_accepted() -> None:
    assert birth_date_from_resident_id(make_resident_id("41020219000101123")) == dt.date(1900, 1, 1)
    assert birth_date_from_resident_id(make_resident_id("41020219001231123")) == dt.date(1900, 12, 31)
    with pytest.raises(ValidationError):
        validate_resident_id(make_resident_id("41020218991231123"))
    today = dt.date.today()
    born_today = make_resident_id(f"410202{today:%Y%m%d}123")
    assert validate_resident_id(born_today) == born_today
    tomorrow = today + dt.timedelta(days=2)
    with pytest.raises(ValidationError):
        validate_resident_id(make_resident_id(f"410202{tomorrow:%Y%m%d}123"))
    assert validators.RESIDENT_ID_MIN_BIRTH_YEAR == 1900


def test_make_resident_id_refuses_anything_but_17_digits() -> None:
    assert make_resident_id(" 11010519491231002 ") == "11010519491231002X"
    for bad in ("1101051949123100", "110105194912310021", "1101051949123100A"):
        with pytest.raises(ValueError, match=r"^make_resident_id needs 17 digits$"):
            make_resident_id(bad)


def test_masks_keep_the_first_and_last_characters() -> None:
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_resident_id("12345678901") == "123456*8901"
    assert mask_resident_id("1234567890") == "**********"
    assert mask_resident_id(None) == ""
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("12345678") == "123*5678"
    assert mask_phone("1234567") == "*******"
    assert mask_phone(None) == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("19912345678", "19912345678"),
    ],
)
def test_mobile_prefixes_are_dropped(typed: str, stored: str) -> None:
    assert validate_mobile(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "99913800138000",
        "12800138000",
        "1380013800",
        "861380013800",
        "+86138001380001",
        "0086138001380",
        "1３８００１３８０００x",
    ],
)
def test_mobile_refusal(typed: str) -> None:
    assert refusal(validate_mobile, typed) == ("mobile_invalid", "请输入11位中国大陆手机号码。")


def test_field_validators_refuse_like_the_functions() -> None:
    uscc_validator(GOOD_USCC)  # accepts silently
    resident_id_validator("11010519491231002X")  # accepts silently
    mobile_validator("13800138000")  # accepts silently
    assert refusal(uscc_validator, "1")[0] == "uscc_length"
    assert refusal(resident_id_validator, "1")[0] == "id_length"
    assert refusal(mobile_validator, "1")[0] == "mobile_invalid"
