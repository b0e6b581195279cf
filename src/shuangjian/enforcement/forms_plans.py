"""Forms of the plans pages (input only; the services check every rule)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.models import Department
from shuangjian.registry.models import Category


class PlanForm(forms.Form):
    name = forms.CharField(label=_("计划名称"), max_length=128)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    division_code = forms.ChoiceField(label=_("县区"))
    department = forms.ChoiceField(label=_("部门"), choices=Department.choices, initial=Department.EDUCATION)
    rounds = forms.IntegerField(label=_("抽查轮次"), min_value=1, max_value=12, initial=2)
    sample_size = forms.IntegerField(label=_("每轮抽取机构数"), min_value=1, max_value=100_000)
    floor_bp = forms.IntegerField(
        label=_("保底抽中概率（万分之）"),
        min_value=0,
        max_value=10_000,
        initial=0,
        help_text=_("每家机构每轮至少有此概率被抽中，如 500 表示 5%。"),
    )
    weight_subject = forms.IntegerField(label=_("学科类权重"), min_value=1, max_value=100, initial=1)
    weight_non_subject = forms.IntegerField(label=_("非学科类权重"), min_value=1, max_value=100, initial=1)

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = counties  # type: ignore[attr-defined]

    def category_weights(self) -> dict[str, int]:
        weights = {
            Category.SUBJECT.value: self.cleaned_data["weight_subject"],
            Category.NON_SUBJECT.value: self.cleaned_data["weight_non_subject"],
        }
        return {k: v for k, v in weights.items() if v != 1}


class RedrawForm(forms.Form):
    reason = forms.CharField(label=_("重新抽取理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class ConflictForm(forms.Form):
    inspector = forms.ChoiceField(label=_("执法人员"))
    institution = forms.IntegerField(label=_("机构编号"), min_value=1)
    reason = forms.CharField(label=_("回避理由"), max_length=255)

    def __init__(self, *args: Any, inspectors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].choices = inspectors  # type: ignore[attr-defined]
