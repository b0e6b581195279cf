from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.registry.models import Institution

from .models import CaseOutcome


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("在职教师名单（Excel .xlsx）"))


class PlanForm(forms.Form):
    days_per_week = forms.IntegerField(label=_("每周服务天数"), min_value=1, max_value=7)
    minutes_per_day = forms.IntegerField(label=_("每天服务时长（分钟）"), min_value=10, max_value=600)
    activities = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    teachers = forms.CharField(
        label=_("参与教师"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    providers: forms.ModelMultipleChoiceField[Institution] = forms.ModelMultipleChoiceField(
        label=_("校外服务机构（仅限白名单）"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
        help_text=_("按住 Ctrl（手机上直接点选）可选择多家；只列出本县区白名单内的机构。"),
    )

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("days_per_week", "minutes_per_day", "activities", "teachers"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        field = self.fields["providers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = providers


class ClassForm(forms.Form):
    grade = forms.IntegerField(label=_("年级"), min_value=1, max_value=9)
    name = forms.CharField(label=_("班级"), max_length=32)
    pupils = forms.IntegerField(label=_("学生人数"), min_value=0, max_value=999)
    asked = forms.IntegerField(label=_("申请人数"), min_value=0, max_value=999)
    served = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=999)
    fee = forms.DecimalField(label=_("每生每月收费（元）"), min_value=0, max_value=100000, decimal_places=2)


class ClassImportForm(forms.Form):
    file = forms.FileField(label=_("班级课后服务数据（Excel .xlsx）"))


class PledgeSignForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_last4 = forms.CharField(label=_("身份证号后 4 位"), min_length=4, max_length=4)


class PaperPledgeForm(forms.Form):
    scan = forms.FileField(label=_("扫描件（可选，PDF/JPG/PNG）"), required=False)


class CaseAnswerForm(forms.Form):
    answer = forms.CharField(label=_("学校说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class CaseDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("认定结果"), choices=CaseOutcome.choices)
    note = forms.CharField(
        label=_("认定说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
