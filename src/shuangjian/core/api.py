"""Core API: who am I, divisions, audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema

from .api_auth import session_or_token
from .models import AuditEvent, Division, User
from .selectors import audit_event_for_user

router = Router(tags=["core"])

# A larger seq cannot exist and would overflow the database's bigint: refuse it as a validation error.
BIGINT_MAX = 2**63 - 1


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    department: str
    scope_code: str


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_id: str | None


class AuditEventOut(Schema):
    seq: int
    created_at: datetime
    actor_username: str
    role: str
    action: str
    object_type: str
    object_id: str
    division_code: str
    before: Any = None
    after: Any = None
    ip: str | None
    prev_hash: str
    hash: str


@router.get("/me", response=MeOut, auth=session_or_token, summary="当前用户")
def me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@router.get("/divisions", response=list[DivisionOut], auth=None, summary="行政区划（下一级）")
def divisions(request: HttpRequest, parent: str | None = None) -> list[Division]:
    qs = Division.objects.all()
    qs = qs.filter(parent_id=parent) if parent else qs.filter(parent__isnull=True)
    return list(qs.order_by("code")[:500])


@router.get("/audit/{seq}", response=AuditEventOut, auth=session_or_token, summary="审计日志（单条）")
def audit_event(request: HttpRequest, seq: int = Path(..., ge=1, le=BIGINT_MAX)) -> AuditEvent:
    user = request.user
    assert isinstance(user, User)
    return audit_event_for_user(user=user, seq=seq)
