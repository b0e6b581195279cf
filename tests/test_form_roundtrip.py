"""Every edit page, opened and saved unchanged, leaves its record unchanged.

The list of edit pages comes from the URL configuration (every URL named ``*_edit``), so a new edit page
without a case here fails ``test_every_edit_page_has_a_round_trip_case``. A second check walks every form
class of the project and requires the core ISO widgets on every date and time field.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

import shuangjian
from shuangjian.competitions.tests.factories import CompetitionFactory
from shuangjian.core import forms as core_forms
from shuangjian.core.models import User
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.courses.tests.factories import ClassGroupFactory, CourseFactory, SessionFactory, at
from shuangjian.portal.models import ArticleKind
from shuangjian.portal.tests.factories import ArticleFactory, ReportContactFactory
from shuangjian.registry.models import Institution, InstitutionOperator
from shuangjian.registry.tests.factories import InstitutionFactory, OperatorFactory, SiteFactory
from shuangjian.registry.tests.helpers import divisions
from shuangjian.staff.models import Employment, EmploymentRole, Person
from shuangjian.staff.tests.factories import TeacherCertificateFactory

# A date that zh-hans displays as 2030/03/28: the value the broken widget could not show.
LEASE_END = datetime.date(2030, 3, 28)
# A future Wednesday in term time, evening hours that the schedule rules allow for subject-type courses.
SESSION_DAY = datetime.date(2027, 3, 3)


# HTML's value sanitisation: a browser shows and submits an empty date/time input when the value is not in the
# input type's ISO syntax, which is how the zh-hans display format 2030/03/28 was lost.
_VALID_SYNTAX = {
    "date": re.compile(r"\d{4,}-\d{2}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"),
    "datetime-local": re.compile(r"\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"),
}


def _sanitised(kind: str, value: str) -> str:
    syntax = _VALID_SYNTAX.get(kind)
    return value if syntax is None or syntax.fullmatch(value) else ""


class _FormValues(HTMLParser):
    """What a browser would submit for each ``<form method="post">``: named controls with their current values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._select_multiple = False
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict[str, str | None] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._text = ""

    def _add(self, name: str, value: str) -> None:
        assert self._form is not None
        self._form["values"].setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "values": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value") or "on")
                return
            self._add(name, _sanitised(kind, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_multiple = name, "multiple" in attrs
            self._select_first, self._select_chosen = None, False
        elif tag == "option" and self._select:
            self._option, self._option_text = attrs, ""
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select:
            value = self._option.get("value")
            value = self._option_text.strip() if value is None else value
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option:
                self._add(self._select, value)
                self._select_chosen = True
            self._option = None
        elif tag == "select" and self._select:
            if not self._select_chosen and not self._select_multiple and self._select_first is not None:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser drops the newline that follows <textarea>, as browsers do.
            self._add(self._textarea, self._text[1:] if self._text.startswith("\n") else self._text)
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_values(html: str) -> dict[str, list[str]]:
    """The controls of the page's edit form: the POST form with the most controls (not the logout button)."""
    parser = _FormValues()
    parser.feed(html)
    candidates = [f for f in parser.forms if not f["action"] or f["action"].startswith("?")]
    assert candidates, "no POST form on the page"
    values: dict[str, list[str]] = max(candidates, key=lambda f: len(f["values"]))["values"]
    return values


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Every stored column but the ones the database stamps on each save."""
    obj.refresh_from_db()
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not getattr(f, "auto_now", False) and f.attname != "updated_at"
    }


@dataclass
class Case:
    user: User
    url: str
    obj: models.Model


def _operator(institution: Institution) -> User:
    user: User = OperatorFactory.create()
    InstitutionOperator.objects.create(user=user, institution=institution)
    return user


def _trainer(institution: Institution) -> Person:
    person: Person = TeacherCertificateFactory.create().person
    Employment.objects.create(
        person=person,
        institution=institution,
        role=EmploymentRole.TRAINER,
        start=datetime.date(2024, 9, 1),
        subjects=["math"],
        division_code=institution.division_code,
    )
    return person


def _institution() -> Institution:
    inst: Institution = InstitutionFactory.create(
        township_code="410202001",
        licence_issued_on=datetime.date(2024, 5, 6),
        licence_expires_on=datetime.date(2029, 5, 5),
    )
    return inst


def case_institution() -> Case:
    inst = _institution()
    return Case(_operator(inst), reverse("registry:my_institution_edit"), inst)


def case_site() -> Case:
    inst = _institution()
    site = SiteFactory.create(
        institution=inst,
        lease_end=LEASE_END,
        usable_area_m2=Decimal("180.50"),
        floor=3,
        serves_children_12_or_under=True,
    )
    return Case(_operator(inst), reverse("registry:my_site_edit", args=[site.pk]), site)


def case_course() -> Case:
    inst = _institution()
    course = CourseFactory.create(
        institution=inst, grades=["七年级", "八年级", "初二提高"], description="方程与不等式\n第二行"
    )
    return Case(_operator(inst), reverse("courses:course_edit", args=[course.pk]), course)


def case_class_group() -> Case:
    inst = _institution()
    group = ClassGroupFactory.create(course__institution=inst)
    group.trainer_ids = [_trainer(inst).pk, _trainer(inst).pk]
    group.save()
    return Case(_operator(inst), reverse("courses:class_group_edit", args=[group.pk]), group)


def case_session() -> Case:
    inst = _institution()
    session = SessionFactory.create(
        class_group__course__institution=inst,
        starts_at=at(SESSION_DAY, 18, 30),
        ends_at=at(SESSION_DAY, 19, 15),
    )
    return Case(_operator(inst), reverse("courses:session_edit", args=[session.pk]), session)


def case_competition() -> Case:
    inst = _institution()
    user = _operator(inst)
    draft = CompetitionFactory.create(
        organiser_kind="institution",
        organiser_institution=inst,
        organiser_name=inst.name,
        organiser_uscc=inst.uscc,
        division_code=inst.division_code,
        applicant=user,
        levels=["五年级", "六年级", "兴趣组"],
        places="龙亭区青少年宫\n二楼报告厅",
        starts_on=LEASE_END,
        ends_on=LEASE_END,
        cycle=LEASE_END.year,
    )
    return Case(user, reverse("competitions:competition_edit", args=[draft.pk]), draft)


def case_article() -> Case:
    regulator = RegulatorFactory.create(scope_code="410202")
    article = ArticleFactory.create(
        created_by=regulator,
        kind=ArticleKind.POLICY,
        title="关于规范校外培训的通知",
        summary="摘要 & 说明",
        source="龙亭区教育局",
        document_number="龙教〔2026〕1号",
        published_on=LEASE_END,
        body="<h3>一、总则</h3><p>家长 &amp; 学生 1 &lt; 2<br>第二行</p><ul><li>甲</li></ul>"
        '<p><a href="https://example.cn/" rel="noopener noreferrer nofollow">链接</a></p>',
    )
    return Case(regulator, reverse("content:article_edit", args=[article.pk]), article)


def case_contact() -> Case:
    divisions()
    regulator = RegulatorFactory.create(scope_code="410202")
    contact = ReportContactFactory.create(division_code="410202", hours="工作日 9:00-17:00", address="龙亭区某路 1 号")
    return Case(regulator, reverse("content:contact_edit", args=["410202"]), contact)


def case_afterschool_plan() -> Case:
    from shuangjian.registry.tests.factories import WhitelistedInstitutionFactory
    from shuangjian.schools import afterschool
    from shuangjian.staff.tests.factories import SchoolAdminUserFactory, school_of

    admin = SchoolAdminUserFactory.create()
    plan = afterschool.plan_save(
        actor=admin,
        school=school_of(admin),
        term=afterschool.current_term(),
        days_per_week=4,
        minutes_per_day=100,
        activities="阅读\n体育",
        teachers="李老师、王老师",
        providers=[(WhitelistedInstitutionFactory.create(), "")],
    )
    return Case(admin, reverse("schools:plan_edit"), plan)


def case_bulletin() -> Case:
    from shuangjian.oversight import bulletins

    divisions()
    regulator = RegulatorFactory.create(scope_code="410202")
    today = datetime.date.today()
    draft = bulletins.bulletin_draft(
        actor=regulator,
        division_code="410202",
        series="express",
        period_start=today - datetime.timedelta(days=6),
        period_end=today - datetime.timedelta(days=1),
    )
    draft = bulletins.bulletin_edit(
        actor=regulator,
        bulletin=draft,
        title="本周“双减”工作 & 动态",
        overview_text="第一段。\n第二段 < 1",
        counties_text="",
        cases_text="案例：某机构",
    )
    return Case(regulator, reverse("oversight:bulletin_edit", args=[draft.pk]), draft)


EDIT_CASES: dict[str, Callable[[], Case]] = {
    "oversight:bulletin_edit": case_bulletin,
    "content:article_edit": case_article,
    "content:contact_edit": case_contact,
    "registry:my_institution_edit": case_institution,
    "registry:my_site_edit": case_site,
    "courses:course_edit": case_course,
    "courses:class_group_edit": case_class_group,
    "courses:session_edit": case_session,
    "competitions:competition_edit": case_competition,
    "schools:plan_edit": case_afterschool_plan,
}


def _url_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def test_every_edit_page_has_a_round_trip_case() -> None:
    edit_pages = {n for n in _url_names(get_resolver().url_patterns) if n.endswith("_edit")}
    assert edit_pages, "no edit pages found: the URL walk is broken"
    assert edit_pages <= set(EDIT_CASES), f"edit pages without a round-trip case: {edit_pages - set(EDIT_CASES)}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", sorted(EDIT_CASES))
def test_edit_page_saved_unchanged_changes_nothing(name: str, language: str) -> None:
    case = EDIT_CASES[name]()
    before = snapshot(case.obj)
    client = Client()
    client.force_login(case.user)
    client.cookies["django_language"] = language
    with translation.override(language):
        page = client.get(case.url, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        values = form_values(page.content.decode())
        # The date the zh-hans display format used to mangle is present, in ISO, for the picker to show.
        if name == "registry:my_site_edit":
            assert values["lease_end"] == ["2030-03-28"]
        response = client.post(case.url, values, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert snapshot(case.obj) == before


def _project_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(shuangjian.__path__, "shuangjian."):
        leaf = module.name.rsplit(".", 1)[-1]
        if ".tests" in module.name or ".migrations" in module.name or ".management" in module.name:
            continue
        if leaf in ("forms", "views") or ".views." in module.name:
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    stack: list[type[Any]] = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            # Django admin's own date widgets are text inputs that accept their display format back.
            module = sub.__module__
            if module.startswith("shuangjian.") and ".tests" not in module and not module.endswith(".admin"):
                found.append(sub)
    return found


WIDGETS = {
    forms.DateTimeField: core_forms.DateTimeInput,
    forms.DateField: core_forms.DateInput,
    forms.TimeField: core_forms.TimeInput,
}


def test_every_date_and_time_field_uses_the_iso_widget() -> None:
    classes = _project_form_classes()
    assert any(c.__name__ == "SiteForm" for c in classes)
    wrong = []
    for cls in classes:
        for field_name, field in cls.base_fields.items():
            for field_type, widget_type in WIDGETS.items():
                if isinstance(field, field_type):
                    if not isinstance(field.widget, (widget_type, forms.HiddenInput)):
                        wrong.append(f"{cls.__module__}.{cls.__name__}.{field_name}")
                    break
    assert not wrong, f"date/time fields without the core ISO widget: {wrong}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_iso_widgets_render_iso_in_every_language(language: str) -> None:
    with translation.override(language):
        assert 'value="2030-03-28"' in core_forms.DateInput().render("d", LEASE_END)
        assert 'value="18:30"' in core_forms.TimeInput().render("t", datetime.time(18, 30, 15))
        assert 'value="2030-03-28T18:30"' in core_forms.DateTimeInput().render(
            "dt", datetime.datetime(2030, 3, 28, 18, 30)
        )
