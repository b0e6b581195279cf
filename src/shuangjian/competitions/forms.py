"""Forms of the competitions pages: parse and validate input; the rules run in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from shuangjian.core.fields import YuanField
from shuangjian.core.forms import DateInput, GradesField
from shuangjian.core.models import User
from shuangjian.registry.models import Institution

from . import selectors
from .models import Competition, FindingSource, SubjectArea
from .services import CompetitionData


class _Styled:
    def style(self) -> None:
        for f in self.fields.values():  # type: ignore[attr-defined]
            widget = f.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class CompetitionForm(_Styled, forms.Form):
    organiser_institution = forms.ModelChoiceField(
        label=gettext_lazy("主办机构（登记在册）"), queryset=Institution.objects.none(), required=False
    )
    organiser_name = forms.CharField(label=gettext_lazy("或：社会组织名称"), max_length=128, required=False)
    organiser_uscc = forms.CharField(label=gettext_lazy("社会组织统一社会信用代码"), max_length=18, required=False)
    division_code = forms.ChoiceField(label=gettext_lazy("所属县区"), required=False)
    name = forms.CharField(label=gettext_lazy("竞赛名称"), max_length=128)
    subject_area = forms.ChoiceField(label=gettext_lazy("竞赛领域"), choices=SubjectArea.choices)
    levels = GradesField(label=gettext_lazy("参赛年级"))
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), widget=DateInput())
    places = forms.CharField(label=gettext_lazy("举办地点"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    fee = YuanField(label=gettext_lazy("报名费（元）"), initial=0)
    certificate_text = forms.CharField(
        label=gettext_lazy("证书文字"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("须注明竞赛结果不作为招生入学依据。"),
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=64)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20)

    def __init__(self, *args: Any, user: User, for_operator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.for_operator = for_operator
        if for_operator:
            for name in ("organiser_institution", "organiser_name", "organiser_uscc", "division_code"):
                del self.fields[name]
        else:
            inst = self.fields["organiser_institution"]
            assert isinstance(inst, forms.ModelChoiceField)
            inst.queryset = selectors.institutions_for_applicant(user)
            division = self.fields["division_code"]
            assert isinstance(division, forms.ChoiceField)
            counties = selectors.counties_for_user(user)
            division.choices = [("", "—"), *counties]
            if len(counties) == 1 and not self.initial.get("division_code"):
                self.initial["division_code"] = counties[0][0]
        levels = self.fields["levels"]
        assert isinstance(levels, GradesField)
        levels.keep(list(self.initial.get("levels") or []))
        self.style()

    @staticmethod
    def initial_for(c: Competition) -> dict[str, Any]:
        return {
            "organiser_institution": c.organiser_institution_id,
            "organiser_name": "" if c.organiser_institution_id else c.organiser_name,
            "organiser_uscc": "" if c.organiser_institution_id else c.organiser_uscc,
            "division_code": c.division_code,
            "name": c.name,
            "subject_area": c.subject_area,
            "levels": list(c.levels),
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "places": c.places,
            "fee": c.fee_fen,
            "certificate_text": c.certificate_text,
            "contact_name": c.contact_name,
            "contact_phone": c.contact_phone,
        }

    def to_data(self) -> CompetitionData:
        d = self.cleaned_data
        return CompetitionData(
            name=d["name"],
            subject_area=d["subject_area"],
            levels=list(d.get("levels") or []),
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            places=d["places"],
            fee_fen=d["fee"],
            certificate_text=d["certificate_text"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            organiser_institution=d.get("organiser_institution"),
            organiser_name=d.get("organiser_name") or "",
            organiser_uscc=d.get("organiser_uscc") or "",
            division_code=d.get("division_code") or "",
        )


class FindingForm(_Styled, forms.Form):
    organiser_institution = forms.ModelChoiceField(
        label=gettext_lazy("主办机构（登记在册）"), queryset=Institution.objects.none(), required=False
    )
    organiser_name = forms.CharField(label=gettext_lazy("或：主办方名称"), max_length=128, required=False)
    competition_name = forms.CharField(label=gettext_lazy("竞赛名称"), max_length=128)
    facts = forms.CharField(label=gettext_lazy("查实情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    source_kind = forms.ChoiceField(label=gettext_lazy("线索来源"), choices=FindingSource.choices)
    source_ref = forms.CharField(label=gettext_lazy("来源编号或说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inst = self.fields["organiser_institution"]
        assert isinstance(inst, forms.ModelChoiceField)
        inst.queryset = selectors.institutions_for_applicant(user)
        self.style()


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(max_length=2000, required=False)
