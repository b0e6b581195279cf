"""Who may do what: the base predicates and the one way every layer asks.

Each app keeps a ``permissions.py`` of named permissions (``rules.add_perm("<app>.<action>", predicate)``)
built from the predicates below plus its own over department, scope and ownership. Everyone asks the same
registry:

- services: ``require(actor, "registry.deregister_institution", inst)``;
- views: ``@permission_required("registry.view_zombies")``, which also records the name on the view so the
  role × URL test (tests/test_role_matrix.py) can compare what answers with what is allowed;
- templates: ``{% load rules %}{% has_perm "registry.deregister_institution" user inst as can_deregister %}``;
- menus: ``NavItem(..., permission="registry.view_zombies")`` (core/nav.py).

We ask ``rules.has_perm`` (the permission set alone), never ``user.has_perm``: Django's model backend says yes
to every superuser for everything, which would show a platform administrator an operator's pages that then
404.

Refusals: a person whose role never does this hears a 404 (the page does not exist for them); a person
who may reach the object but not act on it (another department's institution) hears a 403.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import rules
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from .models import Department, Role, User
from .scope import code_in_scope, object_in_grid_reach

V = TypeVar("V", bound=Callable[..., Any])


def can(user: User | AnonymousUser | None, name: str, obj: object = None) -> bool:
    """Whether the user holds the named permission (on the object, when the permission looks at one)."""
    if user is None:
        return False
    return bool(rules.has_perm(name, user, obj))


def require(user: User | AnonymousUser | None, name: str, obj: object = None) -> User:
    """The user, if permitted. Refused without an object: 404; refused on an object in reach: 403."""
    if user is None or not user.is_authenticated:
        raise Http404
    assert isinstance(user, User)
    if can(user, name, obj):
        return user
    if obj is None:
        raise Http404
    raise PermissionDenied


def permission_required(name: str) -> Callable[[V], V]:
    """View decorator: only who holds ``name`` (checked without an object) gets past; the name is recorded on
    the view (``view.permission_name``) for the role × URL test. Object checks stay in the view/service."""

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, name):
                raise Http404
            response: HttpResponseBase = view(request, *args, **kwargs)
            return response

        wrapped.permission_name = name  # type: ignore[attr-defined]
        return cast(V, wrapped)

    return decorate


def api_permission(name: str) -> Callable[[V], V]:
    """The same for an API operation (below the router decorator): refused → 404 JSON; name recorded."""

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require(request.user, name)
            return view(request, *args, **kwargs)

        # ninja reads the handler's parameters from its signature; resolved here, in the handler's own module
        # (its string annotations mean nothing in this one).
        wrapped.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        wrapped.permission_name = name  # type: ignore[attr-defined]
        return cast(V, wrapped)

    return decorate


# --- base predicates -------------------------------------------------------------------------------------------


def _role_predicate(role: Role) -> rules.Predicate:
    def check(user: User | AnonymousUser) -> bool:
        return bool(user.is_authenticated and getattr(user, "role", None) == role)

    return rules.Predicate(check, name=f"has_role_{role.value}")


is_platform_admin = rules.predicate(
    lambda user: bool(user.is_authenticated and getattr(user, "is_platform_admin", False)), name="is_platform_admin"
)
is_regulator = _role_predicate(Role.REGULATOR)
is_inspector = _role_predicate(Role.INSPECTOR)
is_grid_officer = _role_predicate(Role.GRID_OFFICER)
is_school_admin = _role_predicate(Role.SCHOOL_ADMIN)
is_bank_operator = _role_predicate(Role.BANK_OPERATOR)
is_operator = _role_predicate(Role.INSTITUTION_OPERATOR)
is_parent = _role_predicate(Role.PARENT)
is_signed_in = rules.is_authenticated
is_education_department = rules.predicate(
    lambda user: getattr(user, "department", "") == Department.EDUCATION, name="is_education_department"
)

# County staff who read registers (platform administrators read everything).
is_county_staff = is_regulator | is_inspector
is_regulating_staff = is_county_staff | is_platform_admin
is_regulator_or_admin = is_regulator | is_platform_admin


@rules.predicate
def object_in_scope(user: User | AnonymousUser, obj: Any) -> bool:
    """The object's division is in the user's reach (no object: nothing to restrict); for a grid officer, the
    object lies in one of their cells."""
    if obj is None:
        return True
    if getattr(user, "role", None) == Role.GRID_OFFICER:
        # A grid officer's reach is their cells, not a division (core/scope.py grid_cells_of).
        return object_in_grid_reach(user, obj)
    code = getattr(obj, "division_code", None)
    return isinstance(code, str) and code_in_scope(user, code)


def same_department(department_of: Callable[[Any], str]) -> rules.Predicate:
    """The user is of the department ``department_of(obj)`` names (no object: nothing to compare yet)."""

    def check(user: User | AnonymousUser, obj: Any) -> bool:
        if obj is None:
            return True
        return bool(getattr(user, "department", "") and user.department == department_of(obj))  # type: ignore[union-attr]

    return rules.Predicate(check, name="same_department")


rules.add_perm("core.view_audit_log", is_regulator_or_admin)
rules.add_perm("core.use_account", is_signed_in)
