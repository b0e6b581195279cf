"""Forms of the inspections area. The checklist form is built from ``checklist.CHECKLIST`` (one result, note and
photo input per item); photos are read from ``request.FILES`` and checked by the service (core/photos.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput
from shuangjian.core.models import Department
from shuangjian.registry.models import Institution

from .checklist import ChecklistItem
from .models import AdKind, InspectionKind, ItemResult


class BootstrapForm(forms.Form):
    """Inputs styled to fit a phone screen (Bootstrap's form-control / form-select)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput, forms.HiddenInput)):
                continue
            w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")


START_KINDS = [(k, label) for k, label in InspectionKind.choices if k != InspectionKind.FOLLOW_UP]


class InspectionStartForm(BootstrapForm):
    institution = forms.ModelChoiceField(queryset=Institution.objects.none(), label=_("检查对象（机构）"))
    kind = forms.ChoiceField(choices=START_KINDS, label=_("检查类型"))

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]


class InspectionRecordForm(forms.Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    place = forms.CharField(label=_("检查地点"), max_length=255, required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    joint_departments = forms.MultipleChoiceField(
        label=_("联合检查部门"), choices=Department.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    inspector_signatures = forms.CharField(label=_("检查人员签名（姓名）"), max_length=255, required=False)
    party_signature = forms.CharField(label=_("当事人签名（姓名）"), max_length=64, required=False)
    party_refused = forms.BooleanField(label=_("当事人拒绝签名"), required=False)

    def __init__(self, *args: Any, items: tuple[ChecklistItem, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = items
        for item in items:
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=str(item.label), choices=ItemResult.choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{item.code}"] = forms.CharField(
                label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def rows(self) -> list[dict[str, Any]]:
        return [{"item": i, "result": self[f"item_{i.code}"], "note": self[f"note_{i.code}"]} for i in self.checklist]


class NoticeIssueForm(BootstrapForm):
    requirements = forms.CharField(label=_("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(BootstrapForm):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))


class SummonsForm(BootstrapForm):
    held_on = forms.DateField(label=_("约谈日期"), widget=DateInput)
    place = forms.CharField(label=_("地点"), max_length=255, required=False)
    participants = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("约谈纪要"), widget=forms.Textarea(attrs={"rows": 4}))


class AdFindingForm(BootstrapForm):
    subject_name = forms.CharField(label=_("发布主体"), max_length=128)
    kind = forms.ChoiceField(label=_("类型"), choices=AdKind.choices)
    place = forms.CharField(label=_("位置"), max_length=255)
    found_on = forms.DateField(label=_("发现日期"), widget=DateInput)
    removed = forms.BooleanField(label=_("已清理"), required=False)
    removed_on = forms.DateField(label=_("清理日期"), required=False, widget=DateInput)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RemovedForm(BootstrapForm):
    removed_on = forms.DateField(label=_("清理日期"), widget=DateInput)
