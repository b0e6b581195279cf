"""Every API error is JSON {"detail", "code"} with the right 4xx status; /healthz follows the database."""

from __future__ import annotations

import pytest
from django.db import connection

from shuangjian.core.audit import audit_record

from .factories import RegulatorFactory


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/core/nope/deeper", "/api/v2/core/me", "/api/"])
def test_unknown_route_is_json_404(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.django_db
def test_wrong_method_is_json_405(client):
    body = assert_error(client.delete("/api/v1/core/divisions"), 405, "method_not_allowed")
    assert "方法" in body["detail"]
    assert_error(client.post("/api/v1/core/me"), 405, "method_not_allowed")


@pytest.mark.django_db
@pytest.mark.parametrize("seq", ["abc", "0", "-1", "1.5", "99999999999999999999"])
def test_bad_path_parameter_is_json_422(client, seq):
    client.force_login(RegulatorFactory.create())
    body = assert_error(client.get(f"/api/v1/core/audit/{seq}"), 422, "validation_error")
    assert body["detail"][0]["loc"] == ["path", "seq"]


@pytest.mark.django_db
def test_validation_runs_after_authentication(client):
    # An anonymous caller learns nothing about the parameters: 401 first.
    assert_error(client.get("/api/v1/core/audit/abc"), 401, "unauthorized")


@pytest.mark.django_db
def test_missing_object_is_json_404(client):
    client.force_login(RegulatorFactory.create())
    assert_error(client.get("/api/v1/core/audit/42"), 404, "not_found")


@pytest.mark.django_db
def test_found_object_is_plain_json(client):
    user = RegulatorFactory.create()
    event = audit_record(actor=user, action="test.read", division_code="410202", after={"a": 1})
    client.force_login(user)
    response = client.get(f"/api/v1/core/audit/{event.seq}")
    assert response.status_code == 200
    body = response.json()
    assert body["seq"] == event.seq and body["hash"] == event.hash and body["after"] == {"a": 1}


@pytest.mark.django_db
def test_unauthenticated_is_json_401(client):
    assert_error(client.get("/api/v1/core/me"), 401, "unauthorized")
    assert_error(client.get("/api/v1/core/me", HTTP_AUTHORIZATION="Bearer nope"), 401, "unauthorized")


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("database down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "seq, message", [("abc", "应为整数"), ("0", "应不小于 1"), ("99999999999999999999", "应不大于 9223372036854775807")]
)
def test_validation_messages_are_chinese(client, seq, message):
    client.force_login(RegulatorFactory.create())
    body = assert_error(client.get(f"/api/v1/core/audit/{seq}"), 422, "validation_error")
    assert body["detail"][0]["msg"] == message


def test_validator_messages_pass_through_and_unknown_types_keep_the_original():
    from shuangjian.core.api_errors import validation_message

    assert validation_message({"type": "value_error", "ctx": {"error": ValueError("机构不存在")}}) == "机构不存在"
    assert validation_message({"type": "missing"}) == "此项为必填项"
    assert validation_message({"type": "string_too_long", "ctx": {"max_length": 3}}) == "至多 3 个字符"
    assert validation_message({"type": "exotic", "msg": "Odd input"}) == "输入无效：Odd input"
    # A context without the expected key still gives a readable Chinese message, not an exception.
    assert validation_message({"type": "greater_than", "ctx": {}}) == "应大于"


@pytest.mark.django_db
def test_401_names_the_bearer_scheme(client):
    response = client.get("/api/v1/core/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_value_the_database_refuses_is_a_400_not_a_500(client, settings, debug):
    # PostgreSQL refuses the NUL character in text (SQLite stores it): either way the answer is never a 500, also
    # with DEBUG on (where django-ninja's own handler would otherwise answer first).
    settings.DEBUG = debug
    client.force_login(RegulatorFactory(scope_code="4102"))
    response = client.get("/api/v1/staff/employments", {"role": "teacher\x00"})
    if connection.vendor == "postgresql":
        assert_error(response, 400, "invalid_value")
    else:
        assert response.status_code < 500
    assert client.get("/registry/", {"q": "启明\x00"}).status_code < 500


def test_a_refused_value_on_a_page_answers_the_400_page(rf):
    from django.db import DataError

    from shuangjian.core.middleware import ApiErrorMiddleware

    middleware = ApiErrorMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]
    page = middleware.process_exception(rf.get("/registry/"), DataError("NUL"))
    assert page is not None and page.status_code == 400
    api = middleware.process_exception(rf.get("/api/v1/registry/institutions"), DataError("NUL"))
    assert api is not None and api.status_code == 400
    assert api["Content-Type"].startswith("application/json")
