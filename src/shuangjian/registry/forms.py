"""Forms of the registry pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput, iso_formfield
from shuangjian.core.validators import mask_resident_id

from .models import (
    Category,
    InspectionResult,
    Institution,
    LegalForm,
    NonSubjectField,
    Site,
    Subject,
    TrainingFormat,
)
from .services import OPERATOR_EDITABLE, InstitutionData


class BootstrapMixin:
    """Bootstrap classes on every widget, so the forms look like the rest of the site on any screen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class MaterialsForm(BootstrapMixin, forms.Form):
    kind = forms.CharField(label=_("材料名称"), max_length=64, initial=_("申请材料"))
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("申请材料（PDF、JPG、PNG、DOCX，每个不超过 10 MB）"),
        error_messages={"required": _("请至少上传一份申请材料。")},
    )
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def materials(self) -> list[tuple[str, Any]]:
        return [(self.cleaned_data["kind"], f) for f in self.cleaned_data["files"]]


class ApplicationForm(MaterialsForm):
    """The first application: the institution's particulars plus materials."""

    name = forms.CharField(label=_("机构名称"), max_length=128)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    field = forms.ChoiceField(
        label=_("非学科类领域"), choices=[("", _("（学科类不填）")), *NonSubjectField.choices], required=False
    )
    licensed_subjects = forms.MultipleChoiceField(
        label=_("申请学科（学科类）"), choices=Subject.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    legal_form = forms.ChoiceField(label=_("法人类型"), choices=LegalForm.choices)
    legal_rep_name = forms.CharField(label=_("法定代表人"), max_length=64)
    legal_rep_id = forms.CharField(label=_("法定代表人身份证号"), max_length=18)
    address = forms.CharField(label=_("办学地址"), max_length=255)
    division_code = forms.ChoiceField(label=_("所属县（区）"), choices=())
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    training_format = forms.ChoiceField(label=_("培训形式"), choices=TrainingFormat.choices)

    field_order = [
        "name",
        "uscc",
        "category",
        "field",
        "licensed_subjects",
        "legal_form",
        "legal_rep_name",
        "legal_rep_id",
        "address",
        "division_code",
        "phone",
        "training_format",
        "kind",
        "files",
        "comment",
    ]

    def __init__(self, *args: Any, counties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = counties  # type: ignore[attr-defined]

    def institution_data(self) -> InstitutionData:
        d = self.cleaned_data
        return InstitutionData(
            name=d["name"],
            uscc=d["uscc"],
            category=d["category"],
            field=d.get("field") or "",
            legal_form=d["legal_form"],
            legal_rep_name=d["legal_rep_name"],
            legal_rep_id=d["legal_rep_id"],
            address=d["address"],
            division_code=d["division_code"],
            phone=d.get("phone") or "",
            training_format=d["training_format"],
            licensed_subjects=list(d.get("licensed_subjects") or []),
        )


class TransitionForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(choices=())
    comment = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions  # type: ignore[attr-defined]


class InstitutionEditForm(BootstrapMixin, forms.ModelForm):
    """The operator's regulated fields; the resident ID is shown masked and only replaced when re-entered."""

    new_legal_rep_id = forms.CharField(label=_("法定代表人身份证号（变更时填写）"), max_length=18, required=False)

    class Meta:
        model = Institution
        fields = [f for f in OPERATOR_EDITABLE if f != "legal_rep_id"]
        formfield_callback = iso_formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.legal_rep_id:
            self.fields["new_legal_rep_id"].help_text = _("当前：%(id)s") % {
                "id": mask_resident_id(self.instance.legal_rep_id)
            }

    def changes(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        new_id = d.pop("new_legal_rep_id", "")
        changes = {k: v for k, v in d.items() if k in OPERATOR_EDITABLE}
        if new_id:
            changes["legal_rep_id"] = new_id
        return changes

    def _post_clean(self) -> None:
        # The service validates and writes; the ModelForm must not touch the instance.
        pass


class SiteForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "usable_area_m2",
            "floor",
            "is_basement",
            "in_residential_building",
            "lease_start",
            "lease_end",
            "serves_children_12_or_under",
            "is_active",
        ]
        formfield_callback = iso_formfield

    def _post_clean(self) -> None:
        pass


class AnnualInspectionForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000)
    result = forms.ChoiceField(label=_("年检结论"), choices=InspectionResult.choices)
    inspected_on = forms.DateField(label=_("年检日期"), widget=DateInput())
    note = forms.CharField(label=_("备注"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year - 1
        self.fields["inspected_on"].initial = today


class BlacklistAddForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("列入原因"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("依据"), max_length=255)
    end = forms.DateField(label=_("移出日期（可不填）"), required=False, widget=DateInput())


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500)


class StatusForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("变更为"), choices=())
    reason = forms.CharField(label=_("理由"), max_length=500)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices  # type: ignore[attr-defined]
