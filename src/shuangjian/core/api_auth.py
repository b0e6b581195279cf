"""API authentication: the browser's session (with CSRF) or a bearer token for programs."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

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


bearer_auth = BearerToken()
# Pages call the API with the session cookie; integrations send "Authorization: Bearer <token>".
session_or_token: list[Any] = [django_auth, bearer_auth]
