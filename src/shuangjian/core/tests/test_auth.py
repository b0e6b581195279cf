"""Login and logout pages, the django-axes lockout, password validators and session expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from .factories import TEST_PASSWORD, RegulatorFactory

LOGIN = "/accounts/login/"


def attempt(client, username: str, password: str, ip: str = "198.51.100.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    for text in ("登录", "用户名", "密码"):
        assert text in html


@pytest.mark.django_db
def test_right_password_signs_in_and_lands_on_the_dashboard(client):
    RegulatorFactory.create(username="lt_login")
    response = attempt(client, "lt_login", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").wsgi_request.user.username == "lt_login"


@pytest.mark.django_db
def test_wrong_password_shows_the_chinese_error(client):
    RegulatorFactory.create(username="lt_wrong")
    response = attempt(client, "lt_wrong", "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或密码错误" in html
    assert "30 分钟" in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_five_failures_lock_username_and_ip_for_thirty_minutes(client):
    RegulatorFactory.create(username="lt_lock")
    for _ in range(4):
        assert attempt(client, "lt_lock", "wrong-password").status_code == 200
    locked = attempt(client, "lt_lock", "wrong-password")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "账号已暂时锁定" in html and "30 分钟" in html
    # While locked, even the right password is refused from this IP.
    again = attempt(client, "lt_lock", TEST_PASSWORD)
    assert again.status_code == 429
    assert "账号已暂时锁定" in again.content.decode()
    assert "_auth_user_id" not in client.session
    # The lock is on the username+IP pair: the same person from another address signs in.
    elsewhere = attempt(client, "lt_lock", TEST_PASSWORD, ip="198.51.100.2")
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_lockout_of_one_user_does_not_lock_another_from_the_same_ip(client):
    RegulatorFactory.create(username="victim")
    RegulatorFactory.create(username="colleague")
    for _ in range(5):
        attempt(client, "victim", "wrong-password")
    assert attempt(client, "colleague", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_success_before_the_limit_resets_the_count(client):
    RegulatorFactory.create(username="forgetful")
    for _ in range(4):
        attempt(client, "forgetful", "wrong-password")
    assert attempt(client, "forgetful", TEST_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, "forgetful", "wrong-password").status_code == 200
    assert attempt(client, "forgetful", TEST_PASSWORD).status_code == 302


def test_lockout_settings_match_the_issue():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.django_db
def test_logout_ends_the_session_with_a_chinese_page(client):
    RegulatorFactory.create(username="leaver")
    attempt(client, "leaver", TEST_PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    assert "您已安全退出" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/core/profile/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1!", "password123", "1234567890123", "shuangjian2026"])
def test_password_validators_reject_weak_passwords(password):
    user = RegulatorFactory.create(username="shuangjian2026")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


@pytest.mark.django_db
def test_password_validators_accept_the_demo_password():
    validate_password(TEST_PASSWORD, user=RegulatorFactory.create(username="strong"))


@pytest.mark.django_db
def test_every_password_validator_message_is_chinese():
    user = RegulatorFactory.create(username="zhangsan")
    with pytest.raises(ValidationError) as exc:
        validate_password("zhangsan", user=user)
    with pytest.raises(ValidationError) as numeric:
        validate_password("123456789", user=user)
    messages = exc.value.messages + numeric.value.messages
    assert "密码太短，至少需要 10 个字符。" in messages
    assert len(messages) >= 4  # too similar, too short, too common / all digits
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages), messages


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_session_cookie_is_a_browser_session_cookie(client):
    RegulatorFactory.create(username="cookie")
    response = attempt(client, "cookie", TEST_PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    # No Max-Age/Expires: the browser drops it when it closes; the server side ends it after SESSION_COOKIE_AGE.
    assert not cookie["max-age"] and not cookie["expires"]
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_an_expired_session_sends_the_user_back_to_login(client):
    RegulatorFactory.create(username="idle")
    attempt(client, "idle", TEST_PASSWORD)
    assert client.get("/core/profile/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/core/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_each_request_extends_an_active_session(client):
    RegulatorFactory.create(username="busy")
    attempt(client, "busy", TEST_PASSWORD)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/core/profile/")
    remaining = Session.objects.get().expire_date - timezone.now()
    # Idle timeout, not a fixed one: a working user is not thrown out mid-task.
    assert remaining.total_seconds() > settings.SESSION_COOKIE_AGE - 60


@pytest.mark.django_db
def test_password_change_page_applies_the_validators_in_chinese(client):
    user = RegulatorFactory.create(username="changer")
    client.force_login(user)
    assert "修改密码" in client.get("/core/profile/").content.decode()
    page = client.get("/core/profile/password/")
    assert page.status_code == 200
    assert "旧密码" in page.content.decode()
    weak = client.post(
        "/core/profile/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    html = weak.content.decode()
    assert "密码太短，至少需要 10 个字符。" in html and "密码只包含数字" in html
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_password_change_keeps_the_session_and_the_new_password_works(client):
    user = RegulatorFactory.create(username="changer2")
    client.force_login(user)
    new = "Kaifeng-Longting#2027"
    response = client.post(
        "/core/profile/password/", {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"] == "/core/profile/"
    assert "密码已修改" in client.get("/core/profile/").content.decode()
    client.logout()
    assert attempt(client, "changer2", TEST_PASSWORD).status_code == 200
    assert attempt(client, "changer2", new).status_code == 302


@pytest.mark.django_db
def test_password_change_needs_the_old_password(client):
    user = RegulatorFactory.create(username="changer3")
    client.force_login(user)
    new = "Kaifeng-Longting#2027"
    response = client.post(
        "/core/profile/password/", {"old_password": "guess", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert "旧密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_lockout_message_states_the_configured_numbers(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    RegulatorFactory.create(username="province_rules")
    for _ in range(2):
        assert attempt(client, "province_rules", "wrong-password").status_code == 200
    html = attempt(client, "province_rules", "wrong-password").content.decode()
    assert "连续 3 次登录失败，已锁定 15 分钟" in html


@pytest.mark.django_db
def test_lockout_message_in_english(client, settings):
    RegulatorFactory.create(username="visitor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(5):
        response = attempt(client, "visitor", "wrong-password")
    assert "failed to sign in 5 times in a row from this computer and is locked for 30 minutes" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_password_change_page_in_english(client, settings):
    client.force_login(RegulatorFactory.create(username="english_user"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/core/profile/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Ab#1", "new_password2": "Ab#1"},
    )
    html = response.content.decode()
    assert "Change password" in html
    assert "This password is too short. It must contain at least 10 characters." in html


@pytest.mark.django_db
def test_the_public_at_the_front_door_gets_the_portal_with_a_staff_sign_in_link(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/public/"
    portal = client.get("/public/").content.decode()
    assert 'data-testid="staff-login"' in portal and "/accounts/login/" in portal
