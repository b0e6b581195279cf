"""Identifier validators: unified social credit code (USCC), resident identity number, mainland mobile number.

Each ``validate_*`` function returns the normalised value (whitespace removed, NFKC-folded so full-width
characters typed by Chinese input methods count, upper-cased) or raises Django's ``ValidationError`` with a
Chinese message and a ``code`` naming what is wrong. For a field's ``validators=[...]`` list use the
``*_validator`` wrappers at the end (Django ignores return values there, so forms and services must store the
normalised value: the form fields in ``shuangjian.core.fields`` do that).

Algorithms: RULES.md ("USCC check character", "resident ID check"), GB 32100-2015, GB 11714, GB 11643-1999.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# GB 32100-2015: the 31 characters a USCC may use (no I, O, S, V, Z) and their values 0..30.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
# GB 32100-2015: weight of position i is 3**i mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714: organisation code, 8 body characters (digits, letters A=10..Z=35) and a mod-11 check.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 11643-1999: weights 2**(17-i) mod 11 and the check character table indexed by the sum mod 11.
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
# Nobody alive holds a resident identity number with an earlier birth year; it also rules out typos like 0987.
RESIDENT_ID_MIN_BIRTH_YEAR = 1900

_WHITESPACE = re.compile(r"\s+")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _fold(value: object) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _WHITESPACE.sub("", text).upper()


# --- USCC -----------------------------------------------------------------------------------------------------


def _org_code_value(char: str) -> int:
    # GB 11714 counts letters from A=10 over the full alphabet, not the USCC's reduced one.
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character for an 8-character organisation code body (digits, upper-case letters)."""
    total = sum(_org_code_value(c) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    if value == 10:
        return "X"
    if value == 11:
        return "0"
    return str(value)


def uscc_check_char(body17: str) -> str:
    """The GB 32100 check character (18th) for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_uscc(body: str) -> str:
    """A valid USCC built from 16 or 17 leading characters (for factories and the demo).

    Characters 9–16 become the organisation code body; character 17 is (re)computed as its GB 11714 check and
    character 18 as the GB 32100 check, so the result always passes ``validate_uscc``.
    """
    body = _fold(body)
    if len(body) not in (16, 17) or any(c not in _USCC_VALUES for c in body[:16]):
        raise ValueError("make_uscc needs 16 or 17 characters from the USCC character set")
    body17 = body[:16] + org_code_check_char(body[8:16])
    return body17 + uscc_check_char(body17)


def validate_uscc(value: object) -> str:
    """Return the normalised 18-character USCC or raise ``ValidationError``.

    Codes, in the order checked: ``uscc_length``, ``uscc_character``, ``uscc_check`` (GB 32100 mod 31),
    ``uscc_org_code`` (GB 11714 check of characters 9–17). Checking the mod-31 character before the organisation
    code means any single-character substitution within the character set is reported as ``uscc_check``.
    """
    text = _fold(value)
    if len(text) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"),
            code="uscc_length",
            params={"n": len(text)},
        )
    bad = [c for c in text if c not in _USCC_VALUES]
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符“%(chars)s”（不使用I、O、S、V、Z）。"),
            code="uscc_character",
            params={"chars": "".join(bad)},
        )
    if uscc_check_char(text[:17]) != text[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对是否输错。"),
            code="uscc_check",
        )
    if org_code_check_char(text[8:16]) != text[16]:
        raise ValidationError(
            _("统一社会信用代码第9至17位（组织机构代码）校验不正确。"),
            code="uscc_org_code",
        )
    return text


# --- resident identity number ------------------------------------------------------------------------------------


def resident_id_check_char(body17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    total = sum(int(c) * w for c, w in zip(body17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def make_resident_id(body17: str) -> str:
    """A resident identity number from 17 digits (division, birth date YYYYMMDD, sequence) plus its check."""
    body17 = _fold(body17)
    if len(body17) != 17 or not body17.isdigit():
        raise ValueError("make_resident_id needs 17 digits")
    return body17 + resident_id_check_char(body17)


def _birth_date(text: str) -> datetime.date | None:
    try:
        born = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    if born.year < RESIDENT_ID_MIN_BIRTH_YEAR or born > timezone.localdate():
        return None
    return born


def validate_resident_id(value: object) -> str:
    """Return the normalised 18-character resident identity number (final ``x`` upper-cased) or raise.

    Codes, in the order checked: ``id_length`` (15-digit first-generation numbers are refused too),
    ``id_character`` (17 digits then a digit or X), ``id_check`` (GB 11643 mod 11), ``id_birth_date``
    (characters 7–14 a real date, not before 1900 and not in the future).
    """
    text = _fold(value)
    if len(text) != 18:
        raise ValidationError(
            _("居民身份证号码应为18位，当前为%(n)d位。"),
            code="id_length",
            params={"n": len(text)},
        )
    if not text.isascii() or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValidationError(
            _("居民身份证号码前17位应为数字，最后一位为数字或X。"),
            code="id_character",
        )
    if resident_id_check_char(text[:17]) != text[17]:
        raise ValidationError(
            _("居民身份证号码校验位不正确，请核对是否输错。"),
            code="id_check",
        )
    if _birth_date(text) is None:
        raise ValidationError(
            _("居民身份证号码中的出生日期不是有效日期。"),
            code="id_birth_date",
        )
    return text


def birth_date_from_resident_id(value: object) -> datetime.date:
    """The date of birth in a resident identity number; raises ``ValidationError`` if the number is invalid."""
    text = validate_resident_id(value)
    born = _birth_date(text)
    assert born is not None  # validate_resident_id checked it
    return born


def mask_resident_id(value: object) -> str:
    """Division code and last four shown, the rest starred: ``410202********1234``; never raises."""
    text = _fold(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


# --- mobile numbers ----------------------------------------------------------------------------------------------


def validate_mobile(value: object) -> str:
    """Return an 11-digit mainland mobile number (``1[3-9]`` then 9 digits) or raise (code ``mobile_invalid``).

    Spaces, hyphens and a leading ``+86``/``86``/``0086`` are dropped first.
    """
    text = _fold(value).replace("-", "")
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    if not text.isascii() or not _MOBILE.fullmatch(text):
        raise ValidationError(
            _("请输入11位中国大陆手机号码。"),
            code="mobile_invalid",
        )
    return text


def mask_phone(value: object) -> str:
    """``138****8000`` for a mobile number; other numbers keep their first 3 and last 4 characters; never raises."""
    text = _fold(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


# --- for ``validators=[...]`` on model and form fields ---------------------------------------------------------
# Django ignores a validator's return value and django-stubs types validators as returning None, so these
# wrappers are what to list there; forms and services still call ``validate_*`` (or use ``core.fields``) to store
# the normalised value.


def uscc_validator(value: object) -> None:
    validate_uscc(value)


def resident_id_validator(value: object) -> None:
    validate_resident_id(value)


def mobile_validator(value: object) -> None:
    validate_mobile(value)
