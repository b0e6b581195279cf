"""Jurisdiction: the one place where a person's reach is applied to a query.

Rows carry the division code of the county they belong to (and township or grid cell where known);
staff reach every row whose code starts with their scope code. Out of scope answers 404, never 403,
so that a request does not confirm that an object exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Role, User

M = TypeVar("M", bound=Model)


def user_reach(user: User | AnonymousUser | None) -> str | None:
    """The division prefix the user reaches: "" for everything, None for nothing by division."""
    if user is None or not user.is_authenticated:
        return None
    assert isinstance(user, User)
    if user.is_platform_admin:
        return ""
    if user.is_scoped_staff and user.scope_code:
        return user.scope_code
    return None


def scope_q(user: User | AnonymousUser | None, field: str = "division_code") -> Q | None:
    """A Q restricting ``field`` to the user's jurisdiction; ``Q()`` for everything, None for nothing."""
    reach = user_reach(user)
    if reach is None:
        return None
    if reach == "":
        return Q()
    return Q(**{f"{field}__startswith": reach})


def scope_queryset(qs: QuerySet[M], user: User | AnonymousUser | None, field: str = "division_code") -> QuerySet[M]:
    """Restrict any queryset to the rows the user may see by jurisdiction."""
    q = scope_q(user, field)
    if q is None:
        return qs.none()
    return qs.filter(q)


def code_in_scope(user: User | AnonymousUser | None, code: str) -> bool:
    reach = user_reach(user)
    return reach is not None and code.startswith(reach)


def get_in_scope_or_404(
    qs: QuerySet[M], user: User | AnonymousUser | None, field: str = "division_code", **lookup: Any
) -> M:
    """Fetch one object the user may see; anything else — missing or out of scope — is a 404."""
    try:
        return scope_queryset(qs, user, field).get(**lookup)
    except (ObjectDoesNotExist, MultipleObjectsReturned, ValidationError, ValueError, TypeError):
        # A malformed lookup value (e.g. a bad UUID) is as unknown as a missing row.
        raise Http404 from None


def require_role(user: User | AnonymousUser | None, *roles: Role) -> User:
    """The user, if they hold one of the roles (platform admins hold all); otherwise a 404.

    Superseded by ``core.permissions.require(user, "<app>.<action>")``, which names what is being done; kept
    for code not yet moved to named permissions."""
    if user is None or not user.is_authenticated:
        raise Http404
    assert isinstance(user, User)
    if user.is_platform_admin or user.role in roles:
        return user
    raise Http404
