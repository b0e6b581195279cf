from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput
from shuangjian.registry.models import NonSubjectField, Subject

from .models import EmploymentRole, QualificationKind, TeacherLevel

DATE = DateInput()


class EmploymentForm(forms.Form):
    """Person, job and (optionally) one certificate on one page; the service decides what is allowed."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    resident_id = forms.CharField(label=_("身份证号"), max_length=40)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("岗位"), choices=EmploymentRole.choices, initial=EmploymentRole.TRAINER)
    start = forms.DateField(label=_("入职日期"), widget=DATE)
    end = forms.DateField(label=_("离职日期"), required=False, widget=DATE)
    subjects = forms.MultipleChoiceField(
        label=_("所授学科（学科类）"), choices=Subject.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    field = forms.ChoiceField(
        label=_("所授领域（非学科类）"), choices=[("", "—"), *NonSubjectField.choices], required=False
    )
    cert_kind = forms.ChoiceField(
        label=_("证书类型"), choices=[("", _("暂不登记证书")), *QualificationKind.choices], required=False
    )
    cert_number = forms.CharField(label=_("证书编号"), max_length=64, required=False)
    cert_subject = forms.ChoiceField(
        label=_("任教学科（教师资格证）"), choices=[("", "—"), *Subject.choices], required=False
    )
    cert_level = forms.ChoiceField(
        label=_("资格种类（教师资格证）"), choices=[("", "—"), *TeacherLevel.choices], required=False
    )
    cert_field = forms.ChoiceField(
        label=_("领域（专业资质证书）"), choices=[("", "—"), *NonSubjectField.choices], required=False
    )
    cert_name = forms.CharField(label=_("证书名称（专业资质证书）"), max_length=128, required=False)


class QualificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("证书类型"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("证书编号"), max_length=64)
    subject = forms.ChoiceField(
        label=_("任教学科（教师资格证）"), choices=[("", "—"), *Subject.choices], required=False
    )
    level = forms.ChoiceField(
        label=_("资格种类（教师资格证）"), choices=[("", "—"), *TeacherLevel.choices], required=False
    )
    field = forms.ChoiceField(
        label=_("领域（专业资质证书）"), choices=[("", "—"), *NonSubjectField.choices], required=False
    )
    name = forms.CharField(label=_("证书名称"), max_length=128, required=False)
    issued_on = forms.DateField(label=_("发证日期"), required=False, widget=DATE)


class EndForm(forms.Form):
    end = forms.DateField(label=_("离职日期"), widget=DATE)


class BlacklistForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    resident_id = forms.CharField(label=_("身份证号"), max_length=40)
    reason = forms.CharField(label=_("列入原因"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("依据"), max_length=255, required=False)
    start = forms.DateField(label=_("起始日期"), widget=DATE)
    end = forms.DateField(label=_("截止日期（空为长期）"), required=False, widget=DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因或处理情况"), widget=forms.Textarea(attrs={"rows": 2}))
