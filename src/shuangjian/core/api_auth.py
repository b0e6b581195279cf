"""API authentication: the browser's session (with CSRF) or a bearer token for programs."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken, User


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        api_token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token), revoked_at=None).first()
        if api_token is None or not api_token.is_active or not api_token.user.is_active:
            return None
        now = timezone.now()
        # Touch at most once a minute so a busy integration does not write on every call.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class BrowserSession(SessionAuth):
    """The browser's session cookie, with Django's CSRF check for unsafe methods.

    ninja's SessionAuth runs the CSRF check before it looks for a session, so a program that sends no cookie
    at all was refused with "CSRF check Failed" before its token was read. Here a request without a session
    cookie, or one that names a bearer token, is simply not a session request: the token decides.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        return super().__call__(request)


bearer_auth = BearerToken()
session_auth = BrowserSession()
# Integrations send "Authorization: Bearer <token>" (no CSRF: the header is not sent by a browser on its own);
# pages call the API with the session cookie and a CSRF token. The token is tried first.
session_or_token: list[Any] = [bearer_auth, session_auth]
