"""Reads of core data, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken, AuditEvent, Role, User
from .scope import require_role, scope_queryset


def audit_events_for_user(*, user: User, action: str = "", object_type: str = "", q: str = "") -> QuerySet[AuditEvent]:
    """Audit events inside the user's jurisdiction (regulators and platform admins only)."""
    require_role(user, Role.REGULATOR)
    qs = scope_queryset(AuditEvent.objects.all(), user)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if q:
        qs = qs.filter(actor_username__icontains=q) | qs.filter(object_id=q)
    return qs.order_by("-seq")


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
