"""A scan finding shows on the record it concerns: the operator sees what to do, the regulator acts on it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from shuangjian.core import calendar as core_calendar
from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.courses import services
from shuangjian.courses.models import ViolationRecord
from shuangjian.courses.scan import violation_scan

from .factories import ClassGroupFactory, CourseFactory, SessionFactory, at, operator_with_institution

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def fresh_calendar() -> Any:
    core_calendar.clear_cache()
    yield
    core_calendar.clear_cache()


def flagged_world() -> tuple[Any, Any, Any, Any, ViolationRecord]:
    operator, institution = operator_with_institution()
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=institution))
    late = SessionFactory.create(class_group=group, starts_at=at(WEDNESDAY, 20), ends_at=at(WEDNESDAY, 20, 45))
    fine = SessionFactory.create(class_group=group, starts_at=at(WEDNESDAY, 18), ends_at=at(WEDNESDAY, 18, 45))
    violation_scan()
    record = ViolationRecord.objects.get(object_type="session", object_id=late.pk)
    regulator = RegulatorFactory.create(scope_code=institution.division_code)
    return operator, regulator, group, (late, fine), record


def row(body: str, session_pk: int) -> str:
    start = body.index(f'id="session-{session_pk}"')
    return body[start : body.index("</tr>", start)]


def test_the_operator_sees_the_flagged_session_and_what_to_do(client: Any) -> None:
    operator, _regulator, group, (late, fine), record = flagged_world()
    client.force_login(operator)
    body = client.get(reverse("courses:class_group_detail", args=[group.pk])).content.decode()
    assert "违规" in row(body, late.pk) and "正常" not in row(body, late.pk)
    assert "正常" in row(body, fine.pk)
    assert record.message in body and "请修改或取消该课次" in body
    assert "通知机构整改" not in body  # the regulator's actions are not the operator's


def test_the_regulator_opens_the_record_and_notifies_the_operator(client: Any) -> None:
    operator, regulator, group, (late, _fine), record = flagged_world()
    client.force_login(regulator)
    opened = client.get(reverse("courses:violation_open", args=[record.pk]))
    assert opened.status_code == 302 and opened["Location"].endswith(f"#session-{late.pk}")
    page = client.get(opened["Location"].split("#")[0]).content.decode()
    assert record.message in page and "通知机构整改" in page and "办结" in page

    url = reverse("courses:violation_act", args=[record.pk, "notify"])
    client.post(url, {"text": "  "})
    record.refresh_from_db()
    assert record.notified_at is None  # an empty notice is refused

    response = client.post(url, {"text": "请将该课次调整至 20:30 前结束"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.notified_at is not None and record.notified_by == regulator
    assert AuditEvent.objects.filter(action="violation.notify", object_id=str(record.pk)).exists()
    client.force_login(operator)
    body = client.get(reverse("courses:class_group_detail", args=[group.pk])).content.decode()
    assert "请将该课次调整至 20:30 前结束" in body


def test_closing_needs_a_reason_and_takes_the_record_off_the_open_lists(client: Any) -> None:
    operator, regulator, group, (late, _fine), record = flagged_world()
    with pytest.raises(RuleViolationError):
        services.violation_close(actor=regulator, record=record, reason="")
    services.violation_close(actor=regulator, record=record, reason="经核实该课次已改为线上直播")
    record.refresh_from_db()
    assert record.closed_by == regulator and record.close_reason == "经核实该课次已改为线上直播"
    assert AuditEvent.objects.filter(action="violation.close", object_id=str(record.pk)).exists()
    with pytest.raises(RuleViolationError):
        services.violation_notify(actor=regulator, record=record, notice="再次通知")
    client.force_login(regulator)
    assert record.message not in client.get(reverse("courses:violation_list")).content.decode()
    client.force_login(operator)
    assert "正常" in row(client.get(reverse("courses:class_group_detail", args=[group.pk])).content.decode(), late.pk)
    violation_scan()  # the session still ends late: the closed record stays closed
    record.refresh_from_db()
    assert record.closed_at is not None


def test_only_regulators_in_scope_may_act(client: Any) -> None:
    operator, _regulator, _group, _sessions, record = flagged_world()
    elsewhere = RegulatorFactory.create(scope_code="410203")
    for user in (operator, elsewhere):
        client.force_login(user)
        response = client.post(reverse("courses:violation_act", args=[record.pk, "close"]), {"text": "理由"})
        assert response.status_code == 404
    record.refresh_from_db()
    assert record.closed_at is None
