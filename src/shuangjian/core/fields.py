"""Form fields that validate and normalise identifiers and money, so what a form returns is what services store."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .money import format_fen, parse_yuan
from .validators import validate_mobile, validate_resident_id, validate_uscc


class _NormalisingField(forms.CharField):
    """A CharField whose cleaned value is the validator's normalised return value."""

    def normalise(self, value: str) -> str:
        raise NotImplementedError

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return self.normalise(value)


class UsccField(_NormalisingField):
    """统一社会信用代码: 18 characters, GB 32100 and GB 11714 checks; returns the upper-cased code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", gettext_lazy("统一社会信用代码"))
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return validate_uscc(value)


class ResidentIdField(_NormalisingField):
    """居民身份证号码: 18 characters, GB 11643 check and a real birth date; returns it with an upper-case X."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", gettext_lazy("身份证号码"))
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return validate_resident_id(value)


class MobileField(_NormalisingField):
    """手机号码: returns the 11 digits without spaces, hyphens or +86."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", gettext_lazy("手机号码"))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "tel")

    def normalise(self, value: str) -> str:
        return validate_mobile(value)


class YuanField(forms.CharField):
    """An amount typed in yuan (``1,234.50``); ``clean`` returns integer fen (or None when empty and optional).

    ``min_fen`` / ``max_fen`` bound the amount (inclusive); ``allow_negative`` admits a leading minus.
    Initial values are fen and are shown as yuan.
    """

    def __init__(
        self,
        *,
        allow_negative: bool = False,
        min_fen: int | None = None,
        max_fen: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.allow_negative = allow_negative
        self.min_fen = min_fen
        self.max_fen = max_fen
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_fen(value)
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Initial is fen, data is what was typed: compare amounts, not strings ("1234.5" == 123450).
        try:
            typed = None if data in self.empty_values else parse_yuan(data, allow_negative=True)
        except ValidationError:
            return True
        return typed != (None if initial in self.empty_values else initial)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        fen = parse_yuan(text, allow_negative=self.allow_negative)
        if self.min_fen is not None and fen < self.min_fen:
            raise ValidationError(
                _("金额不能少于%(limit)s元。"), code="money_min", params={"limit": format_fen(self.min_fen)}
            )
        if self.max_fen is not None and fen > self.max_fen:
            raise ValidationError(
                _("金额不能超过%(limit)s元。"), code="money_max", params={"limit": format_fen(self.max_fen)}
            )
        return fen
