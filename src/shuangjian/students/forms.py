from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangjian.core.fields import YuanField
from shuangjian.core.forms import DateInput
from shuangjian.courses.models import ClassGroup


class BindForm(forms.Form):
    name = forms.CharField(label=_("孩子姓名"), max_length=64)
    resident_id = forms.CharField(label=_("孩子身份证号"), max_length=40)
    binding_code = forms.CharField(
        label=_("合同上的绑定码"),
        max_length=20,
        help_text=_("培训合同附页上印有家长绑定码；没有的请向培训机构索取。"),
    )


if TYPE_CHECKING:  # django-stubs makes the field generic; at run time it is not subscriptable
    _ChoiceField = forms.ModelChoiceField[ClassGroup]
else:
    _ChoiceField = forms.ModelChoiceField


class ClassGroupChoiceField(_ChoiceField):
    def label_from_instance(self, obj: ClassGroup) -> str:
        return f"{obj.course.name} · {obj.name}（{obj.enrolled_count}/{obj.capacity}）"


class EnrolmentForm(forms.Form):
    name = forms.CharField(label=_("学员姓名"), max_length=64)
    resident_id = forms.CharField(label=_("身份证号"), max_length=40, required=False)
    school_roll_no = forms.CharField(label=_("学籍号"), max_length=32, required=False)
    grade = forms.CharField(label=_("年级"), max_length=16, required=False)
    school_name = forms.CharField(label=_("就读学校"), max_length=128, required=False)
    school_code = forms.CharField(label=_("学校代码"), max_length=32, required=False)
    class_group = ClassGroupChoiceField(label=_("班级"), queryset=ClassGroup.objects.none())
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput())
    lessons_bought = forms.IntegerField(label=_("购买课时"), min_value=1, max_value=32767)
    price_per_lesson = YuanField(label=_("每课时价格（元）"))
    external_id = forms.CharField(label=_("机构系统编号"), max_length=64, required=False)

    def __init__(self, *args: Any, class_groups: QuerySet[ClassGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["class_group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = class_groups
        if not self.is_bound:
            self.initial.setdefault("start_date", timezone.localdate())
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f, forms.ModelChoiceField) else "form-control"
            )
