"""Every read of enforcement records a person sees, already restricted to the caller's reach."""

from __future__ import annotations

from django.db.models import QuerySet

from shuangjian.core.models import User
from shuangjian.core.scope import scope_queryset

from .models import Inspection, UnlicensedOperation


def inspections_for_user(user: User) -> QuerySet[Inspection]:
    """Inspections of the user's reach (county staff: their county; operators: none here, see their notices)."""
    return scope_queryset(Inspection.objects.all(), user)


def unlicensed_operations_for_user(user: User) -> QuerySet[UnlicensedOperation]:
    return scope_queryset(UnlicensedOperation.objects.all(), user)
