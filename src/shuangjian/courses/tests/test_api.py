"""Data-exchange API: idempotent PUTs on the caller's ids and the 422 shape."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from shuangjian.core.models import AuditEvent
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tokens import api_token_issue
from shuangjian.courses.models import Course, Session

from .factories import ClassGroupFactory, GuidancePriceFactory, SessionFactory, operator_with_institution

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 3, 4)
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


def put(client, url, body, headers):
    return client.put(url, data=json.dumps(body), content_type="application/json", **headers)


def post(client, url, body, headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_put_course_twice_creates_once_and_answers_the_same(client):
    user, _ = operator_with_institution()
    headers = bearer(user)
    first = put(client, "/api/v1/courses/courses/C-100", COURSE, headers)
    assert first.status_code == 201, first.content
    audits = AuditEvent.objects.count()
    second = put(client, "/api/v1/courses/courses/C-100", COURSE, headers)
    assert second.status_code == 200
    a, b = first.json(), second.json()
    assert a.pop("created") is True and b.pop("created") is False
    assert a == b and Course.objects.count() == 1 and AuditEvent.objects.count() == audits
    changed = put(client, "/api/v1/courses/courses/C-100", {**COURSE, "lesson_count": 30}, headers)
    assert changed.status_code == 200 and changed.json()["lesson_count"] == 30


def test_rule_violation_answers_422_with_every_violation_and_writes_nothing(client):
    user, _ = operator_with_institution()
    GuidancePriceFactory.create(benchmark_fen=6000)
    body = {**COURSE, "subject": "physics", "price_per_lesson_fen": 9000}
    response = put(client, "/api/v1/courses/courses/C-1", body, bearer(user))
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "rule_violation"
    assert {v["code"] for v in data["detail"]} == {"course.price_above_ceiling", "course.subject_not_licensed"}
    assert all(set(v) == {"code", "message", "basis", "field"} and v["basis"] for v in data["detail"])
    assert Course.objects.count() == 0


def test_malformed_course_is_422_validation_error(client):
    user, _ = operator_with_institution()
    response = put(client, "/api/v1/courses/courses/C-1", {**COURSE, "format": "x"}, bearer(user))
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    response = put(client, "/api/v1/courses/courses/C-1", {"name": "x"}, bearer(user))
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_put_session_by_external_ids_idempotent_and_late_session_refused(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution, course__external_id="C-1", external_id="G-1")
    headers = bearer(user)
    body = {
        "course_external_id": "C-1",
        "class_group_external_id": "G-1",
        "starts_at": "2026-03-04T19:00:00",
        "ends_at": "2026-03-04T19:45:00",
    }
    assert put(client, "/api/v1/courses/sessions/S-1", body, headers).status_code == 201
    again = put(client, "/api/v1/courses/sessions/S-1", body, headers)
    assert again.status_code == 200 and Session.objects.filter(class_group=group).count() == 1
    late_body = {**body, "starts_at": "2026-03-05T20:00:00", "ends_at": "2026-03-05T20:45:00"}
    late = put(client, "/api/v1/courses/sessions/S-2", late_body, headers)
    assert late.status_code == 422
    assert [v["code"] for v in late.json()["detail"]] == ["session.offline_ends_late"]
    assert Session.objects.count() == 1


def test_put_class_group_and_weekly_generation(client):
    user, institution = operator_with_institution()
    from .factories import CourseFactory, SiteFactory

    course = CourseFactory.create(institution=institution, external_id="C-9")
    site = SiteFactory.create(institution=institution)
    headers = bearer(user)
    body = {"course_external_id": "C-9", "name": "周三班", "site_id": site.pk, "capacity": 20}
    r1 = put(client, "/api/v1/courses/class-groups/G-9", body, headers)
    r2 = put(client, "/api/v1/courses/class-groups/G-9", body, headers)
    assert (r1.status_code, r2.status_code) == (201, 200) and r1.json()["id"] == r2.json()["id"]
    weekly = {
        "weekdays": [2],
        "start_time": "18:00",
        "end_time": "19:00",
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
    }
    response = post(client, f"/api/v1/courses/class-groups/{r1.json()['id']}/sessions/weekly", weekly, headers)
    assert response.status_code == 201 and len(response.json()) == 4
    assert course.class_groups.get().sessions.count() == 4


def test_regulators_cannot_write_and_others_records_are_404(client):
    regulator = RegulatorFactory.create()
    assert put(client, "/api/v1/courses/courses/C-1", COURSE, bearer(regulator)).status_code == 404
    user, _ = operator_with_institution()
    foreign = SessionFactory.create()
    r = post(client, f"/api/v1/courses/sessions/{foreign.pk}/cancel", {}, bearer(user))
    assert r.status_code == 404
    assert client.put("/api/v1/courses/courses/C-1", data="{}", content_type="application/json").status_code == 401


def test_out_of_range_input_is_422_never_500(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    headers = bearer(user)
    far = {"class_group_id": group.pk, "starts_at": "9999-12-31T23:00:00", "ends_at": "9999-12-31T23:30:00"}
    assert put(client, "/api/v1/courses/sessions/S-1", far, headers).status_code == 422
    huge = {"class_group_id": 2**70, "starts_at": "2026-03-04T18:00:00", "ends_at": "2026-03-04T18:45:00"}
    assert put(client, "/api/v1/courses/sessions/S-1", huge, headers).status_code == 422
    assert put(client, "/api/v1/courses/courses/" + "x" * 65, COURSE, headers).status_code == 422
    weekly = {
        "weekdays": [9],
        "start_time": "18:00",
        "end_time": "19:00",
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
    }
    assert post(client, f"/api/v1/courses/class-groups/{group.pk}/sessions/weekly", weekly, headers).status_code == 422
    assert Session.objects.count() == 0


def test_weekly_times_with_the_platform_offset_are_accepted_and_other_offsets_refused(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    headers = bearer(user)
    url = f"/api/v1/courses/class-groups/{group.pk}/sessions/weekly"
    weekly = {"weekdays": [2], "date_from": "2026-03-01", "date_to": "2026-03-31"}
    utc = post(client, url, {**weekly, "start_time": "11:00+00:00", "end_time": "11:45+00:00"}, headers)
    assert utc.status_code in (400, 422), utc.content
    assert utc.json()["detail"] and utc.json()["code"]
    assert Session.objects.count() == 0
    beijing = post(client, url, {**weekly, "start_time": "19:00+08:00", "end_time": "19:45+08:00"}, headers)
    assert beijing.status_code == 201, beijing.content
    starts = {timezone.localtime(s.starts_at).strftime("%a %H:%M") for s in Session.objects.all()}
    assert starts == {"Wed 19:00"} and Session.objects.count() == 4
