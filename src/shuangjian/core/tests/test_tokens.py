"""API bearer tokens: made on the profile page or by `issue_token`, shown once, stored hashed, expiring, revocable."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from shuangjian.core.models import ApiToken, AuditEvent
from shuangjian.core.tokens import api_token_issue

from .factories import RegulatorFactory, UserFactory

SECRET_RE = re.compile(r"sj_[A-Za-z0-9_\-]{20,}")


def bearer(client, secret: str, path: str = "/api/v1/core/me"):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
def test_profile_creates_a_token_shown_once_and_stored_hashed(client):
    user = RegulatorFactory.create(username="lt_edu_t")
    client.force_login(user)
    response = client.post("/core/profile/", {"name": "机构管理系统对接", "days": 30})
    # Redirected after the post, so reloading the page cannot issue a second token.
    assert response.status_code == 302
    response = client.get(response["Location"])
    html = response.content.decode()
    secrets = SECRET_RE.findall(html)
    assert len(set(secrets)) == 1
    secret = secrets[0]
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.key_hash, token.prefix, token.name}
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    # Shown once: the next visit lists the token by its prefix, never the secret.
    again = client.get("/core/profile/").content.decode()
    assert secret not in again
    assert token.prefix in again and "机构管理系统对接" in again
    assert AuditEvent.objects.filter(action="api_token.issue", actor_username="lt_edu_t").count() == 1


@pytest.mark.django_db
def test_profile_form_errors_are_chinese_and_create_nothing(client):
    client.force_login(RegulatorFactory.create())
    response = client.post("/core/profile/", {"name": "x", "days": 1000})
    assert response.status_code == 200
    assert "366" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_bearer_token_carries_the_users_role_and_scope(client):
    user = RegulatorFactory.create(username="xf_t", scope_code="410212", department="education")
    secret = api_token_issue(actor=user, user=user, name="t").secret
    response = bearer(client, secret)
    assert response.status_code == 200
    assert response.json() == {
        "username": "xf_t",
        "display_name": user.display_name,
        "role": "regulator",
        "department": "education",
        "scope_code": "410212",
    }
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_revoked_token_is_refused_with_json_401(client):
    user = RegulatorFactory.create()
    client.force_login(user)
    secret = api_token_issue(actor=user, user=user, name="t").secret
    token = ApiToken.objects.get()
    response = client.post(f"/core/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "令牌已吊销" in response.content.decode()
    client.logout()
    response = bearer(client, secret)
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或令牌无效", "code": "unauthorized"}
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


@pytest.mark.django_db
def test_a_user_cannot_revoke_someone_elses_token(client):
    owner = RegulatorFactory.create()
    api_token_issue(actor=owner, user=owner, name="t")
    token = ApiToken.objects.get()
    client.force_login(RegulatorFactory.create())
    assert client.post(f"/core/profile/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_expired_token_is_refused_with_json_401(client):
    user = RegulatorFactory.create()
    secret = api_token_issue(actor=user, user=user, name="t", days=1).secret
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(client, secret)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.django_db
def test_token_of_a_deactivated_user_is_refused(client):
    user = RegulatorFactory.create()
    secret = api_token_issue(actor=user, user=user, name="t").secret
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert bearer(client, secret).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer sj_unknown", "Bearer " + "x" * 500, "bearer"],
)
def test_malformed_or_unknown_authorization_is_json_401(client, header):
    response = client.get("/api/v1/core/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized" and body["detail"]


@pytest.mark.django_db
def test_issue_token_command_prints_the_secret_once_with_expiry(client):
    user = UserFactory.create(username="kf_bank_t", role="bank_operator", scope_code="4102")
    out = StringIO()
    call_command("issue_token", "kf_bank_t", "--name", "银行对接", "--days", "7", stdout=out)
    text = out.getvalue()
    secrets = SECRET_RE.findall(text)
    assert len(secrets) == 1
    token = ApiToken.objects.get(user=user)
    assert token.name == "银行对接"
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d") in text
    assert 6 <= (token.expires_at - timezone.now()).days <= 7
    response = bearer(client, secrets[0])
    assert response.status_code == 200
    assert response.json()["role"] == "bank_operator" and response.json()["scope_code"] == "4102"
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.role == "system" and event.division_code == "4102"


@pytest.mark.django_db
def test_issue_token_command_fails_cleanly_for_unknown_user():
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        call_command("issue_token", "nobody")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "367"])
def test_issue_token_command_refuses_a_lifetime_out_of_range(days):
    RegulatorFactory.create(username="r_days")
    with pytest.raises(CommandError, match="有效天数"):
        call_command("issue_token", "r_days", "--days", days)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_issue_token_command_refuses_a_deactivated_user():
    RegulatorFactory.create(username="gone", is_active=False)
    with pytest.raises(CommandError, match="已停用"):
        call_command("issue_token", "gone")


@pytest.mark.django_db
def test_issue_token_command_exits_non_zero_from_the_shell(capsys):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "issue_token", "nobody"])
    assert exited.value.code == 1
    assert "不存在" in capsys.readouterr().err
