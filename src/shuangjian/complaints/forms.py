"""Forms of the report pages. The form shapes the input; the service checks it (one set of rules for the web
form, staff intake and Open311)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import INTERNAL_CHANNELS, Category, Channel


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("举报类别"), choices=[("", "—"), *list(Category.choices)], required=False)
    institution_name = forms.CharField(
        label=_("机构或招牌名称"),
        required=False,
        max_length=128,
        help_text=_("输入名称可从已登记的机构中选择；没有登记的，写下招牌名称即可。"),
    )
    institution_uscc = forms.CharField(
        label=_("机构统一社会信用代码（可选）"),
        required=False,
        max_length=18,
        help_text=_("从上方选择机构时自动填写。"),
    )
    address = forms.CharField(label=_("地点（详细地址）"), required=False, max_length=255)
    division_code = forms.ChoiceField(label=_("所在县区"), required=False)
    description = forms.CharField(label=_("举报内容"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    phone = forms.CharField(
        label=_("联系电话（可选，不公开）"), required=False, max_length=20, help_text=_("仅用于工作人员回访核实。")
    )

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["division_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("按地址自动判断")), *counties]


class StaffReportForm(ReportForm):
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        # Open311 files itself; grid reports are raised from a finding (grid), never typed in here.
        choices=[c for c in Channel.choices if c[0] != Channel.API and c[0] not in INTERNAL_CHANNELS],
        initial=Channel.HOTLINE,
    )
    field_order = ["channel"]
