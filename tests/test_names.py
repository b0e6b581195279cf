"""Names where codes used to show: divisions, subjects, trainers picked by name, grades picked from a list."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shuangjian.core.models import Division, DivisionLevel
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.courses.models import ClassGroup, Course
from shuangjian.courses.services import CourseData, course_create
from shuangjian.courses.tests.factories import ClassGroupFactory, CourseFactory
from shuangjian.registry.labels import subject_label, subjects_label
from shuangjian.registry.models import InstitutionOperator
from shuangjian.registry.tests.factories import InstitutionFactory, OperatorFactory
from shuangjian.staff.models import Employment, EmploymentRole
from shuangjian.staff.tests.factories import TeacherCertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def longting() -> None:
    Division.objects.update_or_create(code="410202", defaults={"name": "龙亭区", "level": DivisionLevel.COUNTY})


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_division_filter_names_known_codes_and_leaves_others(longting: None) -> None:
    assert render("{{ c|division_name }}", c="410202") == "龙亭区"
    assert render("{{ c|division_name }}", c="999999") == "999999"
    assert render("{{ c|division_name }}", c="") == ""
    Division.objects.filter(code="410202").update(name="龙亭")  # update() sends no signal: the name is cached
    Division.objects.get(code="410202").save()  # a save forgets the cached names
    assert render("{{ c|division_name }}", c="410202") == "龙亭"


def test_regulator_header_and_institution_list_show_the_county_name(longting: None) -> None:
    InstitutionFactory.create(name="龙亭区启航培训学校", division_code="410202")
    client = Client()
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    html = client.get(reverse("registry:institution_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "龙亭区启航培训学校" in html
    assert "· 龙亭区</span>" in html  # who am I: the county by name
    assert ">410202<" not in html


def test_subject_labels() -> None:
    with translation.override("zh-hans"):
        assert subject_label("math") == "数学"
        assert subjects_label(["math", "english"]) == "数学、英语"
        assert render("{{ s|subject_label }} {{ l|subjects_label }}", s="physics", l=["chinese"]) == "物理 语文"
        assert subject_label("nonsense") == "nonsense"


def test_refusal_names_the_subject_not_its_code() -> None:
    institution = InstitutionFactory.create(licensed_subjects=["math"])
    operator = OperatorFactory.create()
    InstitutionOperator.objects.create(user=operator, institution=institution)
    data = CourseData(
        name="初中英语",
        category="subject",
        subject="english",
        format="offline",
        lesson_minutes=45,
        lesson_count=10,
        price_per_lesson_fen=5000,
        class_size_tier="medium",
    )
    with translation.override("zh-hans"), pytest.raises(Exception) as refused:
        course_create(actor=operator, data=data)
    messages = " ".join(str(v.message) for v in getattr(refused.value, "violations", []))
    assert "（英语）" in messages
    assert "english" not in messages


def _employ(institution: object, *, end: datetime.date | None = None) -> int:
    person = TeacherCertificateFactory.create().person
    Employment.objects.create(
        person=person,
        institution=institution,
        role=EmploymentRole.TRAINER,
        start=datetime.date(2024, 9, 1),
        end=end,
        subjects=["math"],
        division_code="410202",
    )
    return int(person.pk)


def test_trainers_are_picked_from_the_institutions_own_staff() -> None:
    group = ClassGroupFactory.create()
    institution = group.course.institution
    mine = _employ(institution)
    gone = _employ(institution, end=datetime.date(2025, 1, 31))
    elsewhere = _employ(InstitutionFactory.create())
    operator = OperatorFactory.create()
    InstitutionOperator.objects.create(user=operator, institution=institution)
    client = Client()
    client.force_login(operator)
    url = reverse("courses:class_group_edit", args=[group.pk])

    html = client.get(url).content.decode()
    assert f'name="trainer_ids" value="{mine}"' in html
    assert f'value="{gone}"' not in html  # left, and not on this group: not offered
    assert f'value="{elsewhere}"' not in html  # another institution's teacher: never offered

    base = {"course": group.course_id, "name": group.name, "site": group.site_id, "capacity": group.capacity}
    refused = client.post(url, {**base, "trainer_ids": [elsewhere]})
    assert refused.status_code == 200 and "trainer_ids" in refused.context["form"].errors
    assert ClassGroup.objects.get(pk=group.pk).trainer_ids == []

    assert client.post(url, {**base, "trainer_ids": [mine]}).status_code == 302
    assert ClassGroup.objects.get(pk=group.pk).trainer_ids == [mine]


def test_grades_are_picked_from_a_list_and_stored_as_before() -> None:
    course = CourseFactory.create(grades=["八年级"])
    operator = OperatorFactory.create()
    InstitutionOperator.objects.create(user=operator, institution=course.institution)
    client = Client()
    client.force_login(operator)
    url = reverse("courses:course_edit", args=[course.pk])
    html = client.get(url).content.decode()
    assert 'type="checkbox" name="grades" value="七年级"' in html
    assert 'value="八年级"' in html and "checked" in html.split('value="八年级"')[1][:40]

    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "grades"}
    data["price"] = "80.00"
    response = client.post(url, {**data, "grades": ["九年级", "七年级"]})
    assert response.status_code == 302
    assert Course.objects.get(pk=course.pk).grades == ["七年级", "九年级"]  # school order
    assert client.post(url, {**data, "grades": ["大学"]}).status_code == 200  # not a grade: refused


def test_guidance_price_division_is_picked_by_name_within_scope(longting: None) -> None:
    Division.objects.update_or_create(code="41", defaults={"name": "河南省", "level": DivisionLevel.PROVINCE})
    Division.objects.update_or_create(code="4102", defaults={"name": "开封市", "level": DivisionLevel.CITY})
    Division.objects.update_or_create(code="4101", defaults={"name": "郑州市", "level": DivisionLevel.CITY})
    client = Client()
    client.force_login(RegulatorFactory.create(scope_code="4102"))
    html = client.get(reverse("courses:guidance_prices")).content.decode()
    assert '<option value="4102" selected>开封市</option>' in html
    assert "郑州市" not in html and "河南省" not in html  # outside the regulator's city: not offered
    assert "龙亭区" not in html.split('name="division_code"')[1].split("</select>")[0]  # a county sets no price
