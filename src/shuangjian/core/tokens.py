"""API token services: issue (shown once), revoke."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .api_auth import hash_token
from .audit import audit_record
from .models import ApiToken, User

# A token outlives no more than a year, so a leaked one cannot stay useful indefinitely.
MAX_TOKEN_DAYS = 366


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def api_token_issue(*, actor: User | None, user: User, name: str, days: int | None = None) -> IssuedToken:
    """Create a token for ``user``; the returned secret is the only copy that will ever exist.

    ``actor`` is None when an operator issues the token from the command line. The token carries no
    rights of its own: a request made with it acts as ``user``, with that user's role and scope.
    """
    lifetime = days if days is not None else settings.API_TOKEN_DEFAULT_DAYS
    lifetime = max(1, min(lifetime, MAX_TOKEN_DAYS))
    secret = "sj_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:64] or "api",
        prefix=secret[:10],
        key_hash=hash_token(secret),
        expires_at=timezone.now() + timedelta(days=lifetime),
    )
    audit_record(
        actor=actor,
        action="api_token.issue",
        obj=token,
        division_code=user.scope_code,
        after={"user": user.username, "name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, division_code=token.user.scope_code)
    return token
