"""The dry-run compliance check: each kind answers what the app's write would refuse with, and saves nothing."""

from __future__ import annotations

import datetime
import json

import pytest

from shuangjian.core.tokens import api_token_issue
from shuangjian.courses import services
from shuangjian.courses.models import Course, Session
from shuangjian.courses.tests.factories import ClassGroupFactory, at, operator_with_institution
from shuangjian.students.services import EnrolmentData, StudentData, check_enrolment
from shuangjian.students.tests.factories import resident_id

pytestmark = pytest.mark.django_db

COURSE = {
    "name": "初二数学",
    "category": "subject",
    "subject": "math",
    "format": "offline",
    "lesson_minutes": 45,
    "lesson_count": 20,
    "price_per_lesson_fen": 6600,
    "class_size_tier": "medium",
}


def bearer(user) -> dict[str, str]:
    issued = api_token_issue(actor=user, user=user, name="sync", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def post(client, url, body, headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_compliance_check_session_equals_the_service_outcome_and_saves_nothing(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    record = {"class_group_id": group.pk, "starts_at": "2026-10-01T19:00:00", "ends_at": "2026-10-01T20:45:00"}
    response = post(client, "/api/v1/compliance/check", {"kind": "session", "record": record}, bearer(user))
    assert response.status_code == 200, response.content
    answered = response.json()["violations"]
    assert {v["code"] for v in answered} == {"session.offline_ends_late", "session.subject_on_holiday"}
    assert Session.objects.count() == 0
    with pytest.raises(services.RuleViolationError) as exc:
        services.session_create(
            actor=user,
            class_group=group,
            starts_at=at(datetime.date(2026, 10, 1), 19),
            ends_at=at(datetime.date(2026, 10, 1), 20, 45),
        )
    assert [v.as_dict() for v in exc.value.violations] == answered


def test_compliance_check_course_and_class_group(client):
    user, institution = operator_with_institution()
    headers = bearer(user)
    ok = post(client, "/api/v1/compliance/check", {"kind": "course", "record": COURSE}, headers)
    assert ok.status_code == 200 and ok.json()["violations"] == []
    bad = post(
        client, "/api/v1/compliance/check", {"kind": "course", "record": {**COURSE, "subject": "physics"}}, headers
    )
    assert [v["code"] for v in bad.json()["violations"]] == ["course.subject_not_licensed"]
    group = ClassGroupFactory.create(course__institution=institution)
    record = {"course_id": group.course_id, "name": "x", "capacity": 500, "site_id": group.site_id}
    r = post(client, "/api/v1/compliance/check", {"kind": "class_group", "record": record}, headers)
    assert {v["code"] for v in r.json()["violations"]} == {
        "class_group.capacity_over_site",
        "class_group.capacity_over_tier",
    }
    assert Course.objects.count() == 1


def test_compliance_check_bad_kind_and_bad_record_are_422(client):
    user, _ = operator_with_institution()
    headers = bearer(user)
    r = post(client, "/api/v1/compliance/check", {"kind": "spaceship", "record": {}}, headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = post(client, "/api/v1/compliance/check", {"kind": "session", "record": {"starts_at": "soon"}}, headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_compliance_check_employment_is_delegated_to_staff(client):
    user, _ = operator_with_institution()
    record = {"resident_id": "not-an-id", "name": "王老师", "role": "trainer", "start": "2026-03-01"}
    r = post(client, "/api/v1/compliance/check", {"kind": "employment", "record": record}, bearer(user))
    assert r.status_code == 200, r.content
    assert [v["code"] for v in r.json()["violations"]] == ["staff.resident_id_invalid"]
    # A record the write endpoint would refuse as malformed gets the same 422 as every other kind.
    r = post(client, "/api/v1/compliance/check", {"kind": "employment", "record": {"name": "x"}}, bearer(user))
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert ["record", "resident_id"] in [e["loc"] for e in r.json()["detail"]]


def test_compliance_check_enrolment_answers_what_the_students_service_answers(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    record = {
        "student": {"name": "李小明", "resident_id": resident_id(7)},
        "class_group_id": group.pk,
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
        "lessons_bought": 20,
        "price_per_lesson_fen": 9000,
    }
    r = post(client, "/api/v1/compliance/check", {"kind": "enrolment", "record": record}, bearer(user))
    assert r.status_code == 200, r.content
    direct = check_enrolment(
        actor=user,
        data=EnrolmentData(
            class_group_id=group.pk,
            student=StudentData(name="李小明", resident_id=resident_id(7)),
            start_date=datetime.date(2026, 3, 1),
            end_date=datetime.date(2026, 12, 31),
            lessons_bought=20,
            price_per_lesson_fen=9000,
        ),
    )
    assert r.json()["violations"] == [v.as_dict() for v in direct]
    assert r.json()["violations"], "a price above the filed course price is refused"


def test_compliance_check_enrolment_names_the_class_group_by_the_institutions_ids(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(
        course__institution=institution, course__external_id="C-1", external_id="G-1", course__price_per_lesson_fen=9000
    )
    record = {
        "student": {"name": "李小明", "resident_id": resident_id(8)},
        "course_external_id": "C-1",
        "class_group_external_id": "G-1",
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
        "lessons_bought": 20,
        "price_per_lesson_fen": 9000,
    }
    by_ids = post(client, "/api/v1/compliance/check", {"kind": "enrolment", "record": record}, bearer(user))
    by_pk = {**record, "class_group_id": group.pk, "course_external_id": "", "class_group_external_id": ""}
    direct = post(client, "/api/v1/compliance/check", {"kind": "enrolment", "record": by_pk}, bearer(user))
    assert by_ids.status_code == direct.status_code == 200
    assert by_ids.json()["violations"] == direct.json()["violations"]
    unknown = {**record, "class_group_external_id": "G-404"}
    r = post(client, "/api/v1/compliance/check", {"kind": "enrolment", "record": unknown}, bearer(user))
    assert r.status_code == 200 and [v["code"] for v in r.json()["violations"]] == ["class_group_not_found"]
