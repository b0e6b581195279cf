"""The officer's daily report form (phone) and the rates period form."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from shuangjian.core.forms import DateInput
from shuangjian.core.models import GridCell, User
from shuangjian.core.photos import photo_check

from .models import FindingKind, SightingKind
from .selectors import CellInstitution
from .services import FindingInput, ReportInput

NOT_SEEN = ""


class ReportForm(forms.Form):
    places_patrolled = forms.CharField(
        label=gettext_lazy("巡查地点"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("如：解放大道东段、书店街")}),
    )
    ads_seen = forms.CharField(
        label=gettext_lazy("发现的违规广告、招牌"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unlicensed_name = forms.CharField(label=gettext_lazy("疑似无证培训：名称或招牌"), max_length=128, required=False)
    unlicensed_address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    unlicensed_description = forms.CharField(
        label=gettext_lazy("情况说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unlicensed_photo = forms.FileField(label=gettext_lazy("现场照片"), required=False)
    latitude = forms.DecimalField(
        label=gettext_lazy("纬度"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("经度"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    note = forms.CharField(
        label=gettext_lazy("其他情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, institutions: list[CellInstitution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.institution_fields: list[tuple[str, CellInstitution]] = []
        for row in institutions:
            name = f"inst_{row.institution.pk}"
            self.fields[name] = forms.ChoiceField(
                label=row.institution.name,
                choices=[(NOT_SEEN, gettext_lazy("未巡查")), *SightingKind.choices],
                required=False,
            )
            self.institution_fields.append((name, row))
        self.fields["unlicensed_photo"].widget.attrs.update(
            {"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        )
        for f in self.fields.values():
            if isinstance(f.widget, forms.Select):
                f.widget.attrs.setdefault("class", "form-select")
            else:
                f.widget.attrs.setdefault("class", "form-control")

    def clean_unlicensed_photo(self) -> Any:
        upload = self.cleaned_data.get("unlicensed_photo")
        if not upload:
            return None
        return photo_check(upload)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_unlicensed = any(
            data.get(n) for n in ("unlicensed_name", "unlicensed_address", "unlicensed_description", "unlicensed_photo")
        )
        if has_unlicensed and not data.get("unlicensed_address"):
            self.add_error("unlicensed_address", gettext_lazy("请填写疑似无证培训的地址。"))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", gettext_lazy("请同时填写经度和纬度，或都不填。"))
        data["has_unlicensed"] = has_unlicensed
        return data

    def to_input(self) -> ReportInput:
        d = self.cleaned_data
        sightings = {row.institution.pk: d[name] for name, row in self.institution_fields if d.get(name)}
        findings: list[FindingInput] = [
            FindingInput(
                kind=FindingKind.AGAINST_ORDER,
                institution_id=inst_id,
                description=str(gettext_lazy("巡查时发现仍在经营。")),
            )
            for inst_id, kind in sightings.items()
            if kind == SightingKind.AGAINST_ORDER
        ]
        if d["ads_seen"].strip():
            findings.append(FindingInput(kind=FindingKind.AD, description=d["ads_seen"]))
        if d["has_unlicensed"]:
            findings.append(
                FindingInput(
                    kind=FindingKind.UNLICENSED,
                    name=d["unlicensed_name"],
                    address=d["unlicensed_address"],
                    description=d["unlicensed_description"],
                    latitude=d.get("latitude"),
                    longitude=d.get("longitude"),
                    photo=d.get("unlicensed_photo"),
                )
            )
        return ReportInput(
            is_zero=False,
            places_patrolled=d["places_patrolled"],
            ads_seen=d["ads_seen"],
            note=d["note"],
            sightings=sightings,
            findings=tuple(findings),
        )


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Django's ``widgets/attrs.html``: `` name="value"``, a bare name for True, nothing for False."""
    return format_html_join(
        "",
        " {}{}",
        ((k, "" if v is True else format_html('="{}"', str(v))) for k, v in attrs.items() if v is not False),
    )


class FastSelect(forms.Select):
    """``forms.Select`` with its options written here instead of one template include each: the same elements and
    attributes as Django's ``select.html``/``select_option.html``. A platform administrator's assignment form lists
    every cell and officer of the province (~2 500 options, ~0.3 s through the template engine).

    The options are written straight from ``choices`` in ``optgroups``' order and selection rule, without its
    per-option dicts: a ``Select``'s options inherit no attributes (``option_inherits_attrs`` is False), so an
    option's only attribute is ``selected``."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        assert not self.option_inherits_attrs
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]  # name, attrs, value: no options
        values = widget["value"]
        multiple = self.allow_multiple_selected
        has_selected = False

        def option(option_value: Any, label: Any) -> str:
            nonlocal has_selected
            selected = (not has_selected or multiple) and str(option_value) in values
            has_selected |= selected
            return _OPTION.format(
                conditional_escape(str(option_value)), " selected" if selected else "", conditional_escape(label)
            )

        parts: list[str] = []
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            if isinstance(option_label, list | tuple):
                options = "\n".join(option(v, label) for v, label in option_label)
                parts.append(
                    format_html('<optgroup label="{}">{}</optgroup>', option_value, mark_safe(options))  # noqa: S308
                    if option_value
                    else options
                )
            else:
                parts.append(option(option_value, option_label))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            mark_safe("\n".join(parts)),  # noqa: S308 - every value and label escaped in option()
        )


_OPTION = '<option value="{}"{}>{}</option>'


class AssignmentForm(forms.Form):
    officer = forms.ModelChoiceField(label=gettext_lazy("网格员"), queryset=User.objects.none(), widget=FastSelect)
    cell = forms.ModelChoiceField(label=gettext_lazy("网格"), queryset=GridCell.objects.none(), widget=FastSelect)
    start = forms.DateField(label=gettext_lazy("起始日期"), widget=DateInput)

    def __init__(self, *args: Any, officers: QuerySet[User], cells: QuerySet[GridCell], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officer = self.fields["officer"]
        cell = self.fields["cell"]
        assert isinstance(officer, forms.ModelChoiceField) and isinstance(cell, forms.ModelChoiceField)
        officer.queryset = officers
        cell.queryset = cells
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-select" if isinstance(f.widget, forms.Select) else "form-control")


class EndForm(forms.Form):
    end = forms.DateField(label=gettext_lazy("结束日期"), widget=DateInput)


class PeriodForm(forms.Form):
    first = forms.DateField(label=gettext_lazy("起始日期"), widget=DateInput, required=False)
    last = forms.DateField(label=gettext_lazy("截止日期"), widget=DateInput, required=False)

    MAX_DAYS = 366

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        # Complete days only by default: today is still open until its cut-off hour.
        last = data.get("last") or today - datetime.timedelta(days=1)
        first = data.get("first") or last - datetime.timedelta(days=29)
        if first > last:
            raise ValidationError(gettext_lazy("起始日期不能晚于截止日期。"), code="bad_period")
        if (last - first).days >= self.MAX_DAYS:
            raise ValidationError(gettext_lazy("统计区间不能超过一年。"), code="too_long")
        return first, last
