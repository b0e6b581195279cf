from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from shuangjian.core.models import JobStatus, Role
from shuangjian.core.tests.export_helpers import export_download, start_export
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.students.contracts import contract_docx
from shuangjian.students.models import Attendance, Enrolment, EnrolmentStatus, Guardianship

from .factories import (
    ClassGroupFactory,
    CourseFactory,
    EnrolmentFactory,
    GuardianshipFactory,
    InstitutionFactory,
    OperatorFactory,
    ParentFactory,
    SessionFactory,
    StudentFactory,
    at,
    resident_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_parent_binds_then_sees_enrolment(client: Client) -> None:
    enrolment = EnrolmentFactory.create(student=StudentFactory.create(name="王小红", resident_id=resident_id(7)))
    parent = ParentFactory.create()
    login(client, parent)
    code = enrolment.binding_code
    r = client.post(
        reverse("students:my_children"), {"name": "王小红", "resident_id": resident_id(8), "binding_code": code}
    )
    assert r.status_code == 200 and "不匹配" in r.content.decode()
    r = client.post(
        reverse("students:my_children"), {"name": "王小红", "resident_id": resident_id(7), "binding_code": "AAAA-AAAA"}
    )
    assert r.status_code == 200 and "不匹配" in r.content.decode()
    assert not Guardianship.objects.exists()
    r = client.post(
        reverse("students:my_children"),
        {"name": "王小红", "resident_id": resident_id(7), "binding_code": f"{code[:4].lower()}-{code[4:]}"},
        follow=True,
    )
    assert "王小红" in r.content.decode()
    r = client.get(reverse("students:child_detail", args=[enrolment.student.pk]))
    assert enrolment.institution.name in r.content.decode()


def test_parent_cannot_see_other_child_or_enrolment(client: Client) -> None:
    enrolment = EnrolmentFactory.create()
    login(client, ParentFactory.create())
    assert client.get(reverse("students:child_detail", args=[enrolment.student.pk])).status_code == 404
    assert client.get(reverse("students:enrolment_detail", args=[enrolment.pk])).status_code == 404
    assert client.get(reverse("students:contract_download", args=[enrolment.pk])).status_code == 404
    assert client.post(reverse("students:contract_confirm", args=[enrolment.pk])).status_code == 404


def test_contract_docx_has_model_contract_fields() -> None:
    enrolment = EnrolmentFactory.create(lessons_bought=12, price_per_lesson_fen=12345, total_fee_fen=12 * 12345)
    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(contract_docx(enrolment, guardian_name="何女士"))).tables
        for row in table.rows
        for cell in row.cells
    )
    inst = enrolment.institution
    for expected in (
        inst.name,
        inst.uscc,
        str(inst.licence_no),
        inst.address,
        "何女士",
        enrolment.student.name,
        enrolment.class_group.course.name,
        "45 分钟",
        "12 课时",
        "123.45 元",
        "1,481.40 元",
        "托管",
        "GF—2021—2604",
        enrolment.contract_no,
    ):
        assert expected in text, expected


def test_parent_confirms_contract_page(client: Client) -> None:
    enrolment = EnrolmentFactory.create(status=EnrolmentStatus.PENDING)
    parent = GuardianshipFactory.create(student=enrolment.student).parent
    login(client, parent)
    page = client.get(reverse("students:enrolment_detail", args=[enrolment.pk])).content.decode()
    assert "确认合同" in page
    r = client.get(reverse("students:contract_download", args=[enrolment.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = client.post(reverse("students:contract_confirm", args=[enrolment.pk]), follow=True)
    assert "合同已确认" in r.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.contract_confirmed_by == parent


def test_operator_form_bad_write_shows_violations_and_writes_nothing(client: Client) -> None:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=operator.operated.institution), capacity=0)
    login(client, operator)
    data = {
        "name": "李小明",
        "resident_id": resident_id(1),
        "class_group": group.pk,
        "start_date": timezone.localdate().isoformat(),
        "end_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "lessons_bought": 10,
        "price_per_lesson": "90.00",
    }
    r = client.post(reverse("students:enrolment_new"), data)
    page = r.content.decode()
    assert r.status_code == 200 and "班级已满" in page and "高于课程备案价格" in page
    assert not Enrolment.objects.exists()
    group.capacity = 5
    group.save()
    r = client.post(reverse("students:enrolment_new"), {**data, "price_per_lesson": "80"})
    enrolment = Enrolment.objects.get()
    assert r.status_code == 302 and enrolment.price_per_lesson_fen == 8000


def test_operator_cannot_pick_other_institutions_class(client: Client) -> None:
    operator = OperatorFactory.create()
    foreign = ClassGroupFactory.create()
    login(client, operator)
    r = client.post(
        reverse("students:enrolment_new"),
        {"name": "李小明", "resident_id": resident_id(1), "class_group": foreign.pk, "lessons_bought": 1},
    )
    assert r.status_code == 200 and not Enrolment.objects.exists()


def test_attendance_sheet_records_checked_pupils(client: Client) -> None:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=operator.operated.institution))
    a = EnrolmentFactory.create(class_group=group)
    b = EnrolmentFactory.create(class_group=group)
    session = SessionFactory.create(class_group=group, starts_at=at(-1, 9), ends_at=at(-1, 10))
    login(client, operator)
    url = reverse("students:attendance_sheet", args=[session.pk])
    assert client.post(url, {"present": [str(a.pk)]}).status_code == 302
    assert client.post(url, {"present": [str(a.pk)]}).status_code == 302  # again: same rows
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {a.pk: True, b.pk: False}
    assert client.get(reverse("students:attendance_sessions")).status_code == 200
    other = OperatorFactory.create()
    login(client, other)
    assert client.get(url).status_code == 404


def _school_admin_with_code(code: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A school admin linked to a school with ``code`` (schools app's link model; patched in while it is missing)."""
    from django.apps import apps

    from shuangjian.students import selectors

    user = UserFactory.create(role=Role.SCHOOL_ADMIN, scope_code="410202")
    try:
        school_model = apps.get_model("schools", "School")
        link_model = apps.get_model("schools", "SchoolAdmin")
    except LookupError:
        monkeypatch.setattr(selectors, "school_codes_for_user", lambda u: [code] if u.pk == user.pk else [])
        return user
    fields = {f.name for f in school_model._meta.get_fields()}
    school_kwargs: dict[str, Any] = {"code": code, "name": "龙亭区实验小学"}
    if "division_code" in fields:
        school_kwargs["division_code"] = "410202"
    school = school_model.objects.create(**school_kwargs)
    link_model.objects.create(user=user, school=school)
    return user


def test_school_sees_own_pupils_only_and_exports(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = _school_admin_with_code("SCH001", monkeypatch)
    mine = EnrolmentFactory.create(student=StudentFactory.create(name="本校学生", school_code="SCH001"))
    EnrolmentFactory.create(student=StudentFactory.create(name="外校学生", school_code="SCH999"))
    login(client, admin)
    page = client.get(reverse("students:enrolment_list")).content.decode()
    assert "本校学生" in page and "外校学生" not in page
    r = export_download(client, reverse("students:enrolment_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "本校学生" and mine.contract_no in rows[1]


def test_school_admin_without_school_sees_nothing(client: Client) -> None:
    EnrolmentFactory.create()
    login(client, UserFactory.create(role=Role.SCHOOL_ADMIN, scope_code="410202"))
    assert "暂无报名" in client.get(reverse("students:enrolment_list")).content.decode()


def test_regulator_sees_county_with_counts(client: Client, django_assert_max_num_queries: Any) -> None:
    for _ in range(5):
        EnrolmentFactory.create()
    far = InstitutionFactory.create(division_code="410212")
    EnrolmentFactory.create(
        class_group=ClassGroupFactory.create(course=CourseFactory.create(institution=far)), student__name="祥符学生"
    )
    login(client, RegulatorFactory.create())
    with django_assert_max_num_queries(12):
        r = client.get(reverse("students:enrolment_list"))
    page = r.content.decode()
    assert "祥符学生" not in page
    assert r.context["totals"]["enrolments"] == 5
    far_enrolment = Enrolment.objects.get(division_code="410212")
    assert client.get(reverse("students:enrolment_detail", args=[far_enrolment.pk])).status_code == 404


def test_parents_and_public_cannot_open_lists(client: Client) -> None:
    assert client.get(reverse("students:enrolment_list")).status_code == 302  # to login
    login(client, ParentFactory.create())
    assert client.get(reverse("students:enrolment_list")).status_code == 404
    assert client.get(reverse("students:enrolment_new")).status_code == 404


def test_parent_pages_queries_bounded(client: Client, django_assert_max_num_queries: Any) -> None:
    parent = ParentFactory.create()
    for _ in range(3):
        student = GuardianshipFactory.create(parent=parent).student
        for _ in range(4):
            EnrolmentFactory.create(student=student)
    login(client, parent)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("students:my_children")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("students:child_detail", args=[student.pk])).status_code == 200


def test_operator_cancels_pending_enrolment(client: Client) -> None:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=operator.operated.institution))
    enrolment = EnrolmentFactory.create(class_group=group, status=EnrolmentStatus.PENDING)
    login(client, operator)
    assert "取消报名" in client.get(reverse("students:enrolment_detail", args=[enrolment.pk])).content.decode()
    r = client.post(reverse("students:enrolment_cancel", args=[enrolment.pk]), follow=True)
    assert "报名已取消" in r.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    login(client, GuardianshipFactory.create(student=enrolment.student).parent)
    assert client.post(reverse("students:enrolment_cancel", args=[enrolment.pk])).status_code == 404


def _docx_text(body: bytes) -> str:
    return "\n".join(
        cell.text for table in Document(io.BytesIO(body)).tables for row in table.rows for cell in row.cells
    )


def test_the_binding_code_is_on_the_institutions_copy_only_and_can_be_renewed(client: Client) -> None:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=operator.operated.institution))
    enrolment = EnrolmentFactory.create(class_group=group, status=EnrolmentStatus.PENDING)
    code = enrolment.binding_code
    shown = f"{code[:4]}-{code[4:]}"
    page = reverse("students:enrolment_detail", args=[enrolment.pk])
    download = reverse("students:contract_download", args=[enrolment.pk])

    login(client, operator)
    assert shown in client.get(page).content.decode()
    assert shown in _docx_text(client.get(download).content)
    response = client.post(reverse("students:binding_code_renew", args=[enrolment.pk]), follow=True)
    enrolment.refresh_from_db()
    assert enrolment.binding_code != code and shown not in response.content.decode()

    parent = GuardianshipFactory.create(student=enrolment.student).parent
    regulator = RegulatorFactory.create(scope_code=enrolment.division_code)
    for other in (parent, regulator):
        login(client, other)
        assert enrolment.binding_code not in client.get(page).content.decode().replace("-", "")
        assert "家长绑定码" not in _docx_text(client.get(download).content)
    login(client, parent)
    assert client.post(reverse("students:binding_code_renew", args=[enrolment.pk])).status_code == 404


def _enrol_at(institution: Any, n: int, **kwargs: Any) -> list[Enrolment]:
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=institution))
    return [EnrolmentFactory.create(class_group=group, **kwargs) for _ in range(n)]


def test_long_enrolment_list_caps_its_totals_and_counts_them_exactly_on_request(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shuangjian.students import selectors

    monkeypatch.setattr(selectors, "TOTALS_CAP", 4)
    one, two = InstitutionFactory.create(name="甲机构"), InstitutionFactory.create(name="乙机构")
    _enrol_at(one, 3)
    _enrol_at(two, 2, status=EnrolmentStatus.PENDING, lessons_bought=5)
    _enrol_at(InstitutionFactory.create(division_code="410212"), 6)  # another county: never counted here
    login(client, RegulatorFactory.create())
    url = reverse("students:enrolment_list")
    r = client.get(url)
    body = r.content.decode()
    # 5 in reach, over the cap of 4: "4+", and the figures that need every row are left to the exact count.
    assert r.context["totals"]["enrolments"] == 4 and r.context["totals"]["more"]
    assert "4+" in body and "报名超过 4 条" in body and "统计准确合计" in body and "totals=exact" in body
    assert r.context["totals"]["students"] is None and r.context["by_institution"] == []
    assert "待确认合同 2 · 在读 3 · 已结课 0" in body
    assert len(r.context["page"].object_list) == 5  # the page itself lists every row it holds
    # The exact figures are a background job's work (eager in tests): the link starts it, its page links back
    # to the list with the same filters, and the list then shows the job's figures with when they were counted.
    job = start_export(client, url, {"totals": "exact"})
    assert job.status == JobStatus.SUCCEEDED, job.message
    job_page = client.get(reverse("core:export_job", args=[job.pk]))
    back = job_page.context["page_url"]
    assert back == url
    r = client.get(back)
    totals = r.context["totals"]
    assert totals["complete"] and not totals["more"] and r.context["totals_job"] is not None
    assert (totals["enrolments"], totals["students"], totals["institutions"]) == (5, 5, 2)
    assert totals["fee_fen"] == 3 * 10 * 8000 + 2 * 5 * 8000
    assert [(row["institution__name"], row["n"]) for row in r.context["by_institution"]] == [
        ("甲机构", 3),
        ("乙机构", 2),
    ]
    body = r.content.decode()
    assert "报名超过" not in body and "3,200.00" in body and "以上为准确合计" in body
    assert "待确认合同 2 · 在读 3 · 已结课 0" in body
    # Another filter has no exact figures yet: capped again, never the other filter's figures.
    _enrol_at(one, 3, lessons_bought=7)
    r = client.get(url, {"status": EnrolmentStatus.ACTIVE})
    assert not r.context["totals"]["complete"] and r.context["totals_job"] is None
    job = start_export(client, url, {"status": EnrolmentStatus.ACTIVE, "totals": "exact"})
    r = client.get(client.get(reverse("core:export_job", args=[job.pk])).context["page_url"])
    assert r.context["totals"]["enrolments"] == 6 and r.context["totals"]["institutions"] == 1
    # A filter that fits under the cap shows every figure without asking.
    r = client.get(url, {"status": EnrolmentStatus.PENDING})
    assert r.context["totals"]["complete"] and r.context["totals"]["enrolments"] == 2
    assert r.context["totals"]["institutions"] == 1


def test_status_counts_over_the_cap_say_more(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangjian.students import selectors

    monkeypatch.setattr(selectors, "TOTALS_CAP", 2)
    _enrol_at(InstitutionFactory.create(), 3)
    _enrol_at(InstitutionFactory.create(division_code="410212"), 3, status=EnrolmentStatus.CANCELLED)
    login(client, RegulatorFactory.create())
    body = client.get(reverse("students:enrolment_list")).content.decode()
    assert "在读 2+" in body and "已取消 0" in body


def test_dashboard_counts_live_enrolments_in_scope_up_to_a_cap(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangjian.students import selectors

    inst = InstitutionFactory.create()
    _enrol_at(inst, 2)
    _enrol_at(inst, 1, status=EnrolmentStatus.PENDING)
    _enrol_at(inst, 4, status=EnrolmentStatus.CANCELLED)
    _enrol_at(InstitutionFactory.create(division_code="410212"), 5)
    regulator = RegulatorFactory.create()
    login(client, regulator)

    def live_card() -> Any:
        cards = {str(card.title): card.value for card in client.get(reverse("dashboard")).context["cards"]}
        return cards["在读报名"]

    assert live_card() == 3
    assert selectors.live_enrolments_figure(regulator) == 3
    monkeypatch.setattr(selectors, "CARD_COUNT_CAP", 2)
    assert live_card() == "2+"
