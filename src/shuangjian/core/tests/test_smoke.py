import pytest


@pytest.mark.django_db
def test_healthz_answers_when_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_api_unknown_path_is_json_404(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["detail"]


@pytest.mark.django_db
def test_api_wrong_method_is_json_405(client):
    response = client.post("/api/v1/core/divisions")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_api_me_requires_auth(client):
    response = client.get("/api/v1/core/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
