"""Forms of supervision orders and measures (ISO date inputs; references typed by number and looked up in scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput

from .models import MeasureKind, OrderKind


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxSelectMultiple):
                continue
            w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")


class OrderForm(StyledForm):
    kind = forms.ChoiceField(label=_("督办方式"), choices=OrderKind.choices)
    division_code = forms.ChoiceField(label=_("被督办县区"), choices=())
    title = forms.CharField(label=_("督办事项"), max_length=200)
    requirements = forms.CharField(label=_("督办要求"), widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(label=_("办理期限"), widget=DateInput())
    uscc = forms.CharField(label=_("涉及机构（统一社会信用代码）"), max_length=18, required=False)
    notice_number = forms.CharField(label=_("涉及整改通知书文号"), max_length=64, required=False)

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = counties  # type: ignore[attr-defined]


class ReplyForm(StyledForm):
    text = forms.CharField(label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("佐证材料（PDF、Word、Excel、图片）"), required=False)


class DecideForm(StyledForm):
    action = forms.ChoiceField(choices=(("accept", _("审核办结")), ("return", _("退回重办"))))
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MeasureForm(StyledForm):
    kind = forms.ChoiceField(label=_("督导措施"), choices=MeasureKind.choices)
    counties = forms.MultipleChoiceField(label=_("涉及县区"), choices=(), widget=forms.CheckboxSelectMultiple)
    department = forms.CharField(label=_("涉及部门"), max_length=64, required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    happened_on = forms.DateField(label=_("日期"), widget=DateInput())
    participants = forms.CharField(label=_("参加人员（约谈）"), required=False)
    minutes = forms.CharField(label=_("约谈记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    exposure_ref = forms.CharField(label=_("曝光台链接（曝光）"), max_length=255, required=False)
    responsible = forms.CharField(label=_("被问责人（问责）"), max_length=128, required=False)

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counties"].choices = counties  # type: ignore[attr-defined]


class PeriodForm(StyledForm):
    name = forms.CharField(label=_("评价期名称"), max_length=64)
    starts_on = forms.DateField(label=_("起始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("截止日期"), widget=DateInput())
