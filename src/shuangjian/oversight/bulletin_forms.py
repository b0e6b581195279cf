"""Forms of the bulletin pages (no business rules here: the services check them)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput

from .models import Bulletin, BulletinSeries


def _last_month() -> tuple[datetime.date, datetime.date]:
    first = timezone.localdate().replace(day=1)
    end = first - datetime.timedelta(days=1)
    return end.replace(day=1), end


class _Styled:
    """Bootstrap classes on every widget."""

    fields: dict[str, forms.Field]

    def style(self) -> None:
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-select" if isinstance(f.widget, forms.Select) else "form-control")


class BulletinDraftForm(_Styled, forms.Form):
    division_code = forms.ChoiceField(label=_("发布单位"))
    series = forms.ChoiceField(label=_("简报类别"), choices=BulletinSeries.choices)
    period_start = forms.DateField(label=_("统计起始日"), widget=DateInput())
    period_end = forms.DateField(label=_("统计截止日"), widget=DateInput())

    def __init__(self, *args: object, divisions: list[tuple[str, str]], **kwargs: object) -> None:
        start, end = _last_month()
        kwargs.setdefault("initial", {"period_start": start, "period_end": end})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["division_code"].choices = divisions  # type: ignore[attr-defined]
        self.style()


class BulletinEditForm(_Styled, forms.ModelForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.style()

    class Meta:
        model = Bulletin
        fields = ["title", "overview_text", "counties_text", "cases_text"]
        widgets = {
            "overview_text": forms.Textarea(attrs={"rows": 6}),
            "counties_text": forms.Textarea(attrs={"rows": 5}),
            "cases_text": forms.Textarea(attrs={"rows": 5}),
        }
