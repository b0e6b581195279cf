"""Forms of the penalty-case pages: parse and check the input shape; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput
from shuangjian.registry.models import Institution

from .calculator import MEASURE_LABELS, SEVERITY_LABELS, VIOLATION_LABELS
from .models import CaseStage


class YuanField(forms.DecimalField):
    """An amount typed in yuan, cleaned to integer fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        amount = super().clean(value)
        return int(amount * 100) if amount is not None else 0


class CaseFileForm(forms.Form):
    institution: forms.ModelChoiceField[Institution] = forms.ModelChoiceField(
        queryset=Institution.objects.none(), label=_("被处罚机构")
    )
    violation = forms.ChoiceField(label=_("违法行为"), choices=list(VIOLATION_LABELS.items()))
    severity = forms.ChoiceField(label=_("情节"), choices=list(SEVERITY_LABELS.items()))
    illegal_income = YuanField(label=_("违法所得（元）"))
    act_on = forms.DateField(label=_("违法行为发生日期"), widget=DateInput())
    facts = forms.CharField(label=_("违法事实"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    in_service_teacher = forms.BooleanField(label=_("有在职中小学教师参与"), required=False)
    obstruction = forms.BooleanField(label=_("拒绝、阻碍执法检查"), required=False)
    serious_harm = forms.BooleanField(label=_("危及生命健康或金融安全（追责期限5年）"), required=False)
    source_notice_ref = forms.CharField(label=_("来源整改通知书编号"), required=False, max_length=64)

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]


class ProposeForm(forms.Form):
    measures = forms.MultipleChoiceField(
        label=_("处罚措施"), choices=list(MEASURE_LABELS.items()), widget=forms.CheckboxSelectMultiple
    )
    fine = YuanField(label=_("罚款（元）"))
    confiscated = YuanField(label=_("没收违法所得（元）"))
    stop_months = forms.IntegerField(label=_("停业期限（月）"), min_value=0, max_value=120, required=False)
    restriction_years = forms.IntegerField(label=_("黑名单/限制从业年限"), min_value=0, max_value=50, required=False)
    departure_reason = forms.CharField(
        label=_("偏离计算器建议的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ActionForm(forms.Form):
    action = forms.CharField(max_length=32)
    reason = forms.CharField(required=False, max_length=2000)
    on = forms.DateField(required=False, widget=DateInput())


class TextForm(forms.Form):
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(required=False, widget=DateInput())


class HearingNoticeForm(forms.Form):
    hearing_on = forms.DateField(label=_("听证日期"), widget=DateInput())


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("延长理由（经负责人批准）"), max_length=2000)


class CaseFilterForm(forms.Form):
    stage = forms.ChoiceField(required=False, choices=[("", _("全部阶段")), *CaseStage.choices])
    county = forms.CharField(required=False, max_length=12)
    overdue = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=64)
