"""Oversized bodies are refused from their Content-Length before anything reads them; every page carries a CSP;
pages answered to a signed-in person are not cached."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlparse

import pytest
from django.test import Client

from shuangjian.core.tokens import api_token_issue
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

BIG = 11 * 1024 * 1024  # over DATA_UPLOAD_MAX_MEMORY_SIZE (10 MiB)


@pytest.fixture
def operator_token(db):
    inst = InstitutionFactory.create()
    operator = operator_for(inst)
    return operator, api_token_issue(actor=None, user=operator, name="机构系统").secret


def test_an_oversized_api_body_is_413_json(operator_token):
    _operator, secret = operator_token
    response = Client().generic(
        "POST",
        "/api/v1/registry/my/sites",
        b"x" * BIG,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "payload_too_large"
    assert "MB" in body["detail"]


@pytest.mark.django_db
def test_the_unauthenticated_webhook_is_refused_before_its_body_is_read():
    response = Client().generic("POST", "/api/v1/banks/any/notifications", b"{" * BIG, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_an_oversized_form_post_is_a_413_page_in_chinese(operator_token, client):
    operator, _secret = operator_token
    client.force_login(operator)
    response = client.post("/registry/mine/edit/", {"name": "x" * BIG})
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode()


@pytest.mark.django_db
def test_an_upload_may_be_larger_than_a_form_but_not_unlimited(client, settings):
    settings.SHUANGJIAN_MAX_UPLOAD_REQUEST_BYTES = 1024 * 1024
    response = client.generic(
        "POST", "/registry/mine/edit/", b"x" * (2 * 1024 * 1024), content_type="multipart/form-data; boundary=zz"
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_a_malformed_content_length_is_400(client):
    response = client.generic("POST", "/api/v1/public/institutions", b"{}", CONTENT_LENGTH="-5")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.django_db(transaction=True)
def test_the_server_answers_413_without_waiting_for_the_body(live_server):
    """Announce 100 MB, send 10 bytes: the answer must come at once, so nothing waited to read the rest."""
    url = urlparse(live_server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/banks/demo/notifications HTTP/1.1\r\nHost: localhost\r\n"
            b'Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"a": 1}\r\n'
        )
        started = time.monotonic()
        received = b""
        while b"payload_too_large" not in received and time.monotonic() - started < 8:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        waited = time.monotonic() - started
        answer = received.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert waited < 5
    body = json.loads(answer.split("\r\n\r\n", 1)[1])
    assert body["code"] == "payload_too_large"


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy_without_inline_script(client):
    response = client.get("/core/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    # A nonce is new on every response.
    assert client.get("/core/login/")["Content-Security-Policy"] != policy


def test_signed_in_pages_are_not_cached_and_public_ones_may_be(operator_token, client):
    operator, _secret = operator_token
    public = client.get("/public/")
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(operator)
    page = client.get("/registry/mine/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    api = client.get("/api/v1/registry/my/sites")
    assert "no-store" in api["Cache-Control"]


def test_no_template_carries_an_inline_handler_or_an_unnonced_inline_script():
    """Inline handlers (onclick=…) and inline <script> without the nonce do not run under the CSP."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "src" / "shuangjian"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text) or "javascript:" in text:
            offenders.append(f"{path.relative_to(root)}: inline handler")
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if "nonce=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(root)}: {tag}")
    assert not offenders, offenders
