"""Core forms and the date/time widgets every form uses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import models
from django.utils.translation import gettext_lazy as _

# The browser's native pickers read and write only ISO values: the language's display format (zh-hans renders
# 2030/03/28) would leave <input type="date"> blank and the unchanged form would then wipe or refuse the date.
ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ISO, whatever the active language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or ISO_DATE)


class TimeInput(forms.TimeInput):
    """``<input type="time">`` whose value is always ``HH:MM``."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` whose value is always ``YYYY-MM-DDTHH:MM``."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or ISO_DATETIME)


# School grades as records store them (the Chinese name is the stored value, as in existing rows), pre-school to
# senior high: the ages that off-campus training rules speak of.
GRADE_CHOICES: list[tuple[str, Any]] = [
    ("学前", _("学前")),
    ("一年级", _("一年级")),
    ("二年级", _("二年级")),
    ("三年级", _("三年级")),
    ("四年级", _("四年级")),
    ("五年级", _("五年级")),
    ("六年级", _("六年级")),
    ("七年级", _("七年级")),
    ("八年级", _("八年级")),
    ("九年级", _("九年级")),
    ("高一", _("高一")),
    ("高二", _("高二")),
    ("高三", _("高三")),
]


class GradesField(forms.MultipleChoiceField):
    """A set of grades picked from ``GRADE_CHOICES``; cleans to a list of stored values in school order.

    ``keep`` adds values a record already holds that are not in the list (older free-text entries), so that
    saving the record unchanged keeps them.
    """

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", GRADE_CHOICES)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def _pairs(self) -> list[tuple[str, Any]]:
        return [(str(value), label) for value, label in self.choices]  # type: ignore[union-attr,misc]

    def keep(self, values: list[str]) -> None:
        pairs = self._pairs()
        known = {value for value, _label in pairs}
        self.choices = [*pairs, *((v, v) for v in values if v not in known)]

    def clean(self, value: Any) -> list[str]:
        picked = set(super().clean(value))
        return [v for v, _label in self._pairs() if v in picked]


def iso_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """``formfield_callback`` for ModelForms: the model's date and time columns get the ISO widgets above."""
    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", DateTimeInput)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("widget", DateInput)
    elif isinstance(db_field, models.TimeField):
        kwargs.setdefault("widget", TimeInput)
    return db_field.formfield(**kwargs)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续失败 5 次后，该账号在本机将被锁定 30 分钟。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-control"


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64, help_text=_("例如：机构管理系统对接"))
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=366, initial=90)
