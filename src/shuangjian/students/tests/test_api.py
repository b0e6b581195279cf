from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tokens import api_token_issue
from shuangjian.courses.models import ClassGroup
from shuangjian.students.models import Attendance, Enrolment, EnrolmentStatus, Student

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


def bearer(user: Any) -> dict[str, Any]:
    issued = api_token_issue(actor=user, user=user, name="对接", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def body(group: ClassGroup, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "student": {"name": "李小明", "resident_id": resident_id(1), "school_code": "SCH001"},
        "class_group_id": group.pk,
        "start_date": timezone.localdate().isoformat(),
        "end_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "lessons_bought": 10,
        "price_per_lesson_fen": 8000,
    }
    data.update(kw)
    return data


@pytest.fixture
def setup() -> tuple[Any, ClassGroup, dict[str, Any]]:
    operator = OperatorFactory.create()
    group = ClassGroupFactory.create(
        course=CourseFactory.create(institution=operator.operated.institution, external_id="C1")
    )
    group.external_id = "G1"
    group.save()
    return operator, group, bearer(operator)


def test_put_enrolment_idempotent(client: Client, setup: Any) -> None:
    _operator, group, auth = setup
    url = "/api/v1/students/enrolments/E-100"
    r1 = client.put(url, body(group), content_type="application/json", **auth)
    r2 = client.put(url, body(group), content_type="application/json", **auth)
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json()["id"] == r2.json()["id"] and r1.json()["created"] and not r2.json()["created"]
    assert r1.json()["status"] == "pending" and r1.json()["total_fee_fen"] == 80000
    assert Enrolment.objects.count() == 1 and Student.objects.count() == 1
    group.refresh_from_db()
    assert group.enrolled_count == 1
    by_external = body(group, class_group_id=None, course_external_id="C1", class_group_external_id="G1")
    assert client.put(url, by_external, content_type="application/json", **auth).status_code == 200
    got = client.get(url, **auth)
    assert got.status_code == 200 and got.json()["contract_no"] == r1.json()["contract_no"]


def test_put_enrolment_violations_422_and_nothing_written(client: Client, setup: Any) -> None:
    _operator, group, auth = setup
    group.capacity = 0
    group.save()
    r = client.put(
        "/api/v1/students/enrolments/E-1",
        body(group, price_per_lesson_fen=9000),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422
    payload = r.json()
    assert payload["code"] == "rule_violation"
    assert {v["code"] for v in payload["detail"]} == {"class_full", "price_above_filed"}
    assert all({"code", "message", "basis", "field"} <= v.keys() for v in payload["detail"])
    assert not Enrolment.objects.exists() and not Student.objects.exists()
    foreign = ClassGroupFactory.create()
    r = client.put("/api/v1/students/enrolments/E-2", body(foreign), content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "class_group_not_found"
    bad = client.put("/api/v1/students/enrolments/E-3", {"student": {}}, content_type="application/json", **auth)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


def test_put_attendance_idempotent(client: Client, setup: Any) -> None:
    _operator, group, auth = setup
    enrolment = EnrolmentFactory.create(class_group=group, external_id="E-9")
    session = SessionFactory.create(class_group=group, starts_at=at(-1, 9), ends_at=at(-1, 10), external_id="S-1")
    data = {"enrolment_external_id": "E-9", "session_external_id": "S-1", "present": True}
    r1 = client.put("/api/v1/students/attendance", data, content_type="application/json", **auth)
    r2 = client.put("/api/v1/students/attendance", data, content_type="application/json", **auth)
    assert r1.status_code == r2.status_code == 200
    assert r1.json()["changed"] and not r2.json()["changed"]
    assert Attendance.objects.get().session == session and Attendance.objects.get().enrolment == enrolment
    future = SessionFactory.create(class_group=group, starts_at=at(1, 9), ends_at=at(1, 10))
    r = client.put(
        "/api/v1/students/attendance",
        {"enrolment_external_id": "E-9", "session_id": future.pk},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "session_in_future"
    r = client.put(
        "/api/v1/students/attendance",
        {"enrolment_external_id": "nope", "session_id": session.pk},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "enrolment_not_found"


def test_scope_on_lists_and_reads(client: Client, setup: Any) -> None:
    _operator, group, auth = setup
    mine = EnrolmentFactory.create(class_group=group, external_id="E-1")
    theirs = EnrolmentFactory.create(external_id="E-X")
    far = EnrolmentFactory.create(
        class_group=ClassGroupFactory.create(
            course=CourseFactory.create(institution=InstitutionFactory.create(division_code="410212"))
        )
    )
    ids = {e["id"] for e in client.get("/api/v1/students/enrolments", **auth).json()["items"]}
    assert ids == {mine.pk}
    assert client.get("/api/v1/students/enrolments/E-X", **auth).status_code == 404
    regulator = bearer(RegulatorFactory.create())
    listed = client.get("/api/v1/students/enrolments", **regulator).json()
    assert {e["id"] for e in listed["items"]} == {mine.pk, theirs.pk} and listed["count"] == 2
    assert far.pk not in {e["id"] for e in listed["items"]}
    # Staff cannot write as an institution.
    r = client.put("/api/v1/students/enrolments/E-5", body(group), content_type="application/json", **regulator)
    assert r.status_code == 404
    assert client.get("/api/v1/students/enrolments").status_code == 401


def test_parent_api_bind_list_confirm(client: Client) -> None:
    enrolment = EnrolmentFactory.create(
        status=EnrolmentStatus.PENDING, student=StudentFactory.create(name="王小红", resident_id=resident_id(7))
    )
    other = EnrolmentFactory.create(status=EnrolmentStatus.PENDING)
    parent = ParentFactory.create()
    auth = bearer(parent)
    assert client.get("/api/v1/students/my/enrolments", **auth).json() == []
    r = client.post(
        "/api/v1/students/my/children",
        {"name": "王小红", "resident_id": resident_id(7), "binding_code": enrolment.binding_code},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and r.json()["name"] == "王小红"
    listed = client.get("/api/v1/students/my/enrolments", **auth).json()
    assert [e["id"] for e in listed] == [enrolment.pk]
    r = client.post(f"/api/v1/students/my/enrolments/{enrolment.pk}/confirm", **auth)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert client.post(f"/api/v1/students/my/enrolments/{other.pk}/confirm", **auth).status_code == 404


def test_bind_api_rate_limited_429(client: Client, settings: Any) -> None:
    settings.STUDENT_BIND_ATTEMPTS_PER_HOUR = 2
    auth = bearer(ParentFactory.create())
    codes = [
        client.post(
            "/api/v1/students/my/children",
            {"name": "某某", "resident_id": resident_id(n), "binding_code": "ABCDEFGH"},
            content_type="application/json",
            **auth,
        ).status_code
        for n in range(3)
    ]
    assert codes == [422, 422, 429]


def test_parent_guardianship_needed_for_my_children_api(client: Client) -> None:
    g = GuardianshipFactory.create()
    auth = bearer(g.parent)
    assert [c["id"] for c in client.get("/api/v1/students/my/children", **auth).json()] == [g.student.pk]
    assert client.get("/api/v1/students/my/children", **bearer(OperatorFactory.create())).status_code == 404


def test_list_queries_do_not_grow_with_rows(client: Client, django_assert_max_num_queries: Any) -> None:
    regulator = RegulatorFactory.create()
    client.force_login(regulator)
    for _ in range(15):
        EnrolmentFactory.create()
    with django_assert_max_num_queries(8):  # session, user, list, count: not one per row
        r = client.get("/api/v1/students/enrolments?limit=100")
    assert r.status_code == 200 and r.json()["count"] == 15


def test_control_characters_answer_422_not_500(client: Client, setup: Any) -> None:
    _operator, group, auth = setup
    data = body(group)
    data["student"]["name"] = "李\x00小明"
    r = client.put("/api/v1/students/enrolments/E-1", data, content_type="application/json", **auth)
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "control_characters"
    r = client.put("/api/v1/students/enrolments/E%00", body(group), content_type="application/json", **auth)
    assert r.status_code in (404, 422)
    assert client.get("/api/v1/students/enrolments?q=%00", **auth).status_code == 200
    assert not Enrolment.objects.exists()
    assert client.get("/api/v1/students/enrolments/E%00", **auth).status_code == 404
    r = client.put(
        "/api/v1/students/attendance",
        {"enrolment_external_id": "E\x00", "session_external_id": "S\x00"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422
    r = client.put(
        "/api/v1/students/enrolments/E-2",
        body(group, class_group_id=None, course_external_id="C\x00", class_group_external_id="G\x00"),
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "class_group_not_found"
