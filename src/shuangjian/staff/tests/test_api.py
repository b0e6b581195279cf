from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tokens import api_token_issue
from shuangjian.schools.services import roster_upload
from shuangjian.staff.models import Employment, EmploymentFlag, Person, Qualification

from .factories import InstitutionFactory, OperatorFactory, SchoolAdminUserFactory, rid, roster_file, school_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/employments"


def bearer(user: Any) -> dict[str, Any]:
    issued = api_token_issue(actor=user, user=user, name="对接", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def body(n: int, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resident_id": rid(n),
        "name": "王老师",
        "phone": "13800138000",
        "role": "trainer",
        "start": "2026-09-01",
        "subjects": ["math"],
        "qualifications": [
            {"kind": "teacher_certificate", "number": f"2019-{n}", "subject": "math", "level": "junior"}
        ],
    }
    data.update(kw)
    return data


def put(client: Client, ext: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.put(f"{URL}/{ext}", data=json.dumps(data), content_type="application/json", **headers)


def test_put_is_idempotent_on_external_id() -> None:
    op = OperatorFactory.create()
    h = bearer(op)
    c = Client()
    first = put(c, "T-1", body(1), h)
    assert first.status_code == 201, first.content
    out = first.json()
    assert out["created"] is True and out["resident_id_masked"] == rid(1)[:6] + "********" + rid(1)[-4:]
    assert rid(1) not in first.content.decode()
    again = put(c, "T-1", body(1), h)
    assert again.status_code == 200 and again.json()["id"] == out["id"] and again.json()["created"] is False
    assert Employment.objects.count() == 1 and Person.objects.count() == 1 and Qualification.objects.count() == 1
    changed = put(c, "T-1", body(1, end="2026-12-31"), h)
    assert changed.status_code == 200 and changed.json()["end"] == "2026-12-31"
    assert Employment.objects.count() == 1


def test_violation_answers_422_with_every_violation_and_writes_nothing() -> None:
    op = OperatorFactory.create()
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(2))]))
    r = put(Client(), "T-2", body(2, subjects=["math", "physics"]), bearer(op))
    assert r.status_code == 422
    payload = r.json()
    assert payload["code"] == "rule_violation"
    got = {v["code"] for v in payload["detail"]}
    assert got == {"staff.in_service_teacher", "staff.no_matching_teacher_certificate"}
    assert all(v["message"] and v["basis"] for v in payload["detail"])
    assert not Employment.objects.exists() and not Person.objects.exists()


def test_bad_resident_id_is_422_not_500() -> None:
    r = put(Client(), "T-3", body(3, resident_id="123"), bearer(OperatorFactory.create()))
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "staff.resident_id_invalid"


def test_external_id_reused_for_another_person_refused() -> None:
    op = OperatorFactory.create()
    h = bearer(op)
    assert put(Client(), "T-4", body(4), h).status_code == 201
    r = put(Client(), "T-4", body(5, name="李老师"), h)
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "staff.external_id_conflict"


def test_delete_ends_the_employment() -> None:
    op = OperatorFactory.create()
    h = bearer(op)
    put(Client(), "T-6", body(6, start="2025-09-01"), h)
    r = Client().delete(f"{URL}/T-6", **h)
    assert r.status_code == 200 and r.json()["end"] is not None
    assert Employment.objects.get().end is not None
    assert Client().delete(f"{URL}/nope", **h).status_code == 404


def test_lists_are_scoped_and_masked(django_assert_max_num_queries: Any) -> None:
    op = OperatorFactory.create()
    other = OperatorFactory.create(institution=InstitutionFactory.create(division_code="410212"))
    for n in range(5):
        put(Client(), f"A{n}", body(10 + n), bearer(op))
    put(Client(), "B1", body(20), bearer(other))
    reg = RegulatorFactory.create()
    h = bearer(reg)
    with django_assert_max_num_queries(12):
        r = Client().get(URL, **h)
    assert r.status_code == 200 and r.json()["count"] == 5
    assert all("*" in i["resident_id_masked"] for i in r.json()["items"])
    assert rid(10) not in r.content.decode()
    mine = Client().get(URL, **bearer(other)).json()
    assert mine["count"] == 1 and mine["items"][0]["external_id"] == "B1"
    # The other county's operator cannot see or touch the first one's records.
    assert Client().get(f"{URL}/A1", **bearer(other)).status_code == 404


def test_flagged_employment_shows_its_flag_in_the_api() -> None:
    op = OperatorFactory.create()
    put(Client(), "F1", body(30), bearer(op))
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(30))]))
    assert EmploymentFlag.objects.count() == 1
    items = Client().get(URL, {"flagged": "true"}, **bearer(RegulatorFactory.create())).json()["items"]
    assert [f["code"] for f in items[0]["flags"]] == ["staff.in_service_teacher"]


def test_regulator_cannot_write_and_anonymous_is_401() -> None:
    assert put(Client(), "X", body(40), bearer(RegulatorFactory.create())).status_code == 404
    assert put(Client(), "X", body(40), {}).status_code == 401


def test_hostile_input_is_422_not_500() -> None:
    h = bearer(OperatorFactory.create())
    long_id = put(Client(), "x" * 80, body(50), h)
    assert long_id.status_code == 422 and long_id.json()["detail"][0]["code"] == "staff.external_id_invalid"
    nul = put(Client(), "N1", body(51, name="王\x00老师"), h)
    assert nul.status_code == 422 and nul.json()["detail"][0]["code"] == "staff.name_invalid"
    cert = body(52)
    cert["qualifications"][0]["number"] = "A\x00B"
    assert put(Client(), "N2", cert, h).status_code == 422
    assert put(Client(), "N3", body(53, start="2026-13-01"), h).json()["code"] == "validation_error"
    assert not Employment.objects.exists()
