"""Registry API: scoped institution list and detail, operators' sites (idempotent), JSON errors."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shuangjian.registry.models import Site
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_institutions_scoped(edu: Any, xf_edu: Any) -> None:
    mine = InstitutionFactory.create(name="龙亭甲")
    other = InstitutionFactory.create(name="祥符乙", division_code="410212")
    body = client(edu).get("/api/v1/registry/institutions").json()
    assert body["count"] == 1 and body["results"][0]["name"] == "龙亭甲"
    assert client(edu).get(f"/api/v1/registry/institutions/{mine.pk}").status_code == 200
    resp = client(edu).get(f"/api/v1/registry/institutions/{other.pk}")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert client(xf_edu).get("/api/v1/registry/institutions", {"q": "祥符"}).json()["count"] == 1
    assert Client().get("/api/v1/registry/institutions").status_code == 401


def test_operator_cannot_list_institutions(db: Any) -> None:
    op = operator_for(InstitutionFactory.create())
    assert client(op).get("/api/v1/registry/institutions").status_code == 404


def test_sites_upsert_idempotent_with_violations(db: Any) -> None:
    inst = InstitutionFactory.create()
    c = client(operator_for(inst))
    payload = {
        "name": "一号教学点",
        "address": "中山路1号",
        "usable_area_m2": "90",
        "floor": 2,
        "lease_end": (timezone.localdate() + datetime.timedelta(days=500)).isoformat(),
    }
    first = c.post("/api/v1/registry/my/sites", payload, content_type="application/json")
    assert first.status_code == 201
    body = first.json()
    assert body["capacity"] == 30 and [v["code"] for v in body["violations"]] == ["site_area"]
    again = c.post("/api/v1/registry/my/sites", {**payload, "usable_area_m2": "120"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["violations"] == []
    assert Site.objects.filter(institution=inst).count() == 1
    assert len(c.get("/api/v1/registry/my/sites").json()) == 1
    bad = c.post("/api/v1/registry/my/sites", {**payload, "usable_area_m2": "-1"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    other_site = Site.objects.create(
        institution=InstitutionFactory.create(), name="x", address="y", division_code="410202", usable_area_m2=100
    )
    put = c.put(f"/api/v1/registry/my/sites/{other_site.pk}", payload, content_type="application/json")
    assert put.status_code == 404


def test_nul_and_control_characters_are_422_not_500(edu: Any) -> None:
    assert client(edu).get("/api/v1/registry/institutions", {"q": "a\x00b"}).status_code == 200
    op = operator_for(InstitutionFactory.create())
    bad = client(op).post(
        "/api/v1/registry/my/sites",
        {"name": "a\x00", "address": "x", "usable_area_m2": "100", "floor": 1},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert client(edu).get("/api/v1/registry/institutions", {"page": 99}).status_code == 422
    assert client(edu).get("/api/v1/registry/institutions/99999999999").status_code == 404
