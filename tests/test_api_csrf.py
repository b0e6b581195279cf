"""Programs write with a bearer token and no CSRF token; browsers' session writes still need one.

Django's test client skips the CSRF check unless asked, which is how a token write path that always
answered 403 "CSRF check Failed" went unnoticed: these tests ask for it, and one goes over real HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.test import Client

from shuangjian.core.tokens import api_token_issue
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

SITE = {
    "name": "第二教学点",
    "address": "开封市龙亭区北道门街 8 号",
    "usable_area_m2": "320.00",
    "floor": 2,
    "lease_end": "2031-06-30",
}


def _operator_and_token():
    inst = InstitutionFactory.create()
    operator = operator_for(inst)
    secret = api_token_issue(actor=None, user=operator, name="机构系统").secret
    return inst, operator, secret


@pytest.mark.django_db
def test_bearer_token_writes_with_csrf_enforced():
    inst, _operator, secret = _operator_and_token()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/registry/my/sites",
        data=json.dumps(SITE),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201, response.content
    assert inst.sites.filter(name="第二教学点").exists()


@pytest.mark.django_db
def test_a_bad_token_is_401_not_a_csrf_refusal():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/registry/my/sites",
        data=json.dumps(SITE),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sj_not-a-real-token-at-all",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.django_db
def test_session_writes_still_need_the_csrf_token():
    inst, operator, _secret = _operator_and_token()
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    refused = client.post("/api/v1/registry/my/sites", data=json.dumps(SITE), content_type="application/json")
    assert refused.status_code == 403
    assert not inst.sites.filter(name="第二教学点").exists()

    client.get("/core/profile/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/registry/my/sites", data=json.dumps(SITE), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201, accepted.content


@pytest.mark.django_db(transaction=True)
def test_bearer_token_writes_over_real_http(live_server):
    inst, _operator, secret = _operator_and_token()
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/registry/my/sites",
        data=json.dumps(SITE).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        assert json.loads(response.read())["name"] == "第二教学点"
    assert inst.sites.filter(name="第二教学点").exists()

    # The same request without the token is refused as unauthenticated, not as a CSRF failure.
    anonymous = urllib.request.Request(
        f"{live_server.url}/api/v1/registry/my/sites",
        data=json.dumps(SITE).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, timeout=30)
    assert refused.value.code == 401
