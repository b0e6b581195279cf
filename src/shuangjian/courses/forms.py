"""Forms of the courses pages: parse and validate input; the rules run in the services."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.fields import YuanField
from shuangjian.core.forms import DateInput, GradesField, TimeInput
from shuangjian.core.models import Division, DivisionLevel
from shuangjian.registry.models import Category, Institution, NonSubjectField, Site, Subject
from shuangjian.staff.models import Employment
from shuangjian.staff.selectors import current_q

from .models import ClassGroup, Course, CourseFormat, PriceFormat
from .rules import class_size_tier_choices
from .services import ClassGroupData, CourseData, WeeklyPattern


class BootstrapMixin:
    def style(self) -> None:
        for f in self.fields.values():  # type: ignore[attr-defined]
            widget = f.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class CourseForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("课程名称"), max_length=128)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=Category.choices)
    subject = forms.ChoiceField(
        label=gettext_lazy("学科（学科类）"), choices=[("", "—"), *Subject.choices], required=False
    )
    field = forms.ChoiceField(
        label=gettext_lazy("领域（非学科类）"), choices=[("", "—"), *NonSubjectField.choices], required=False
    )
    grades = GradesField(label=gettext_lazy("适用年级"))
    format = forms.ChoiceField(label=gettext_lazy("授课形式"), choices=CourseFormat.choices)
    lesson_minutes = forms.IntegerField(label=gettext_lazy("每课时长（分钟）"), min_value=1, max_value=600)
    lesson_count = forms.IntegerField(label=gettext_lazy("课时数"), min_value=1, max_value=1000)
    price = YuanField(label=gettext_lazy("每课时价格（元）"))
    class_size_tier = forms.ChoiceField(label=gettext_lazy("班额档次"), choices=class_size_tier_choices)
    description = forms.CharField(
        label=gettext_lazy("教学内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grades = self.fields["grades"]
        assert isinstance(grades, GradesField)
        grades.keep(list(self.initial.get("grades") or []))
        self.style()

    @classmethod
    def initial_for(cls, course: Course) -> dict[str, Any]:
        return {
            "name": course.name,
            "category": course.category,
            "subject": course.subject,
            "field": course.field,
            "grades": list(course.grades or []),
            "format": course.format,
            "lesson_minutes": course.lesson_minutes,
            "lesson_count": course.lesson_count,
            "price": course.price_per_lesson_fen,
            "class_size_tier": course.class_size_tier,
            "description": course.description,
        }

    def to_data(self, external_id: str = "") -> CourseData:
        d = self.cleaned_data
        return CourseData(
            name=d["name"],
            category=d["category"],
            subject=d.get("subject") or "",
            field=d.get("field") or "",
            grades=list(d.get("grades") or []),
            format=d["format"],
            lesson_minutes=d["lesson_minutes"],
            lesson_count=d["lesson_count"],
            price_per_lesson_fen=d["price"],
            class_size_tier=d["class_size_tier"],
            description=d.get("description") or "",
            external_id=external_id,
        )


class MaterialForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("材料名称"), max_length=128)
    file = forms.FileField(label=gettext_lazy("文件（教材/讲义）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class ClassGroupForm(BootstrapMixin, forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("课程"), queryset=Course.objects.none())
    name = forms.CharField(label=gettext_lazy("班级名称"), max_length=128)
    site = forms.ModelChoiceField(
        label=gettext_lazy("教学点（线下必填）"), queryset=Site.objects.none(), required=False
    )
    trainer_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("授课教师"),
        choices=(),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("从本机构在职人员中选择；未列出的人员请先在“从业人员”中登记聘用。"),
    )
    capacity = forms.IntegerField(label=gettext_lazy("班额（人）"), min_value=1, max_value=1000)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(institution=institution)  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.filter(institution=institution, is_active=True)  # type: ignore[attr-defined]
        self.fields["trainer_ids"].choices = self._trainer_choices(institution)  # type: ignore[attr-defined]
        self.style()

    def _trainer_choices(self, institution: Institution) -> list[tuple[int, str]]:
        """The institution's current staff, plus anyone already on the group (so an unchanged save keeps them)."""
        assigned = {int(i) for i in (self.initial.get("trainer_ids") or [])}
        rows = (
            Employment.objects.filter(institution=institution)
            .filter(current_q() | Q(person_id__in=assigned))
            .select_related("person")
            .order_by("person__name", "person_id")
        )
        choices: dict[int, str] = {}
        for e in rows:
            label = f"{e.person.name}（{e.get_role_display()}）"
            if e.end is not None and e.end < timezone.localdate():
                label = _("%(name)s（已离职）") % {"name": e.person.name}
            choices.setdefault(e.person_id, label)
        return list(choices.items())

    @classmethod
    def initial_for(cls, group: ClassGroup) -> dict[str, Any]:
        return {
            "course": group.course_id,
            "name": group.name,
            "site": group.site_id,
            "trainer_ids": [int(i) for i in group.trainer_ids],
            "capacity": group.capacity,
        }

    def to_data(self, external_id: str = "") -> ClassGroupData:
        d = self.cleaned_data
        return ClassGroupData(
            course_id=d["course"].pk,
            name=d["name"],
            capacity=d["capacity"],
            site_id=d["site"].pk if d.get("site") else None,
            trainer_ids=d["trainer_ids"],
            external_id=external_id,
        )


class SessionForm(BootstrapMixin, forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=DateInput())
    start_time = forms.TimeField(label=gettext_lazy("开始时间"), widget=TimeInput())
    end_time = forms.TimeField(label=gettext_lazy("结束时间"), widget=TimeInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def span(self) -> tuple[datetime.datetime, datetime.datetime]:
        d = self.cleaned_data
        start = timezone.make_aware(datetime.datetime.combine(d["date"], d["start_time"]))
        end = timezone.make_aware(datetime.datetime.combine(d["date"], d["end_time"]))
        return start, end


WEEKDAYS = [
    (0, gettext_lazy("周一")),
    (1, gettext_lazy("周二")),
    (2, gettext_lazy("周三")),
    (3, gettext_lazy("周四")),
    (4, gettext_lazy("周五")),
    (5, gettext_lazy("周六")),
    (6, gettext_lazy("周日")),
]


class WeeklyForm(BootstrapMixin, forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("每周上课日"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(label=gettext_lazy("开始时间"), widget=TimeInput())
    end_time = forms.TimeField(label=gettext_lazy("结束时间"), widget=TimeInput())
    date_from = forms.DateField(label=gettext_lazy("起始日期"), widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("截止日期"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def pattern(self) -> WeeklyPattern:
        d = self.cleaned_data
        return WeeklyPattern(d["weekdays"], d["start_time"], d["end_time"], d["date_from"], d["date_to"])


class MaterialReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = forms.CharField(required=False, max_length=500)


class GuidancePriceForm(BootstrapMixin, forms.Form):
    division_code = forms.CharField(label=gettext_lazy("区划代码（省 2 位或市 4 位）"), max_length=4, min_length=2)
    class_size_tier = forms.ChoiceField(label=gettext_lazy("班额档次"), choices=class_size_tier_choices)
    price_format = forms.ChoiceField(label=gettext_lazy("授课形式"), choices=PriceFormat.choices)
    benchmark = YuanField(label=gettext_lazy("基准价（元/标准课时）"))
    effective_from = forms.DateField(label=gettext_lazy("执行日期"), widget=DateInput())
    document_no = forms.CharField(label=gettext_lazy("定价文件文号"), max_length=128, required=False)

    def __init__(self, *args: Any, scope: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scope is not None:
            # A picker of the provinces and cities the regulator may price, by name (scope "" = all).
            divisions = Division.objects.filter(
                level__in=[DivisionLevel.PROVINCE, DivisionLevel.CITY], code__startswith=scope
            ).order_by("code")
            choices = [(d.code, d.name) for d in divisions]
            self.fields["division_code"] = forms.ChoiceField(
                label=gettext_lazy("定价区划（省或市）"),
                choices=choices,
                disabled=not choices,
                help_text="" if choices else _("政府指导价由省、市设定；本辖区内没有可设定的省或市。"),
            )
        self.style()
