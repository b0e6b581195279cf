"""Jurisdiction: the one place where a person's reach is applied to a query.

Rows carry the division code of the county they belong to (and township or grid cell where known);
staff reach every row whose code starts with their scope code. A grid officer reaches no division: their reach
is the grid cells assigned to them (``GridAssignment``), applied to rows that carry a ``grid_code``. Out of scope
answers 404, never 403, so that a request does not confirm that an object exists.
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist, MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import GridAssignment, Role, User

M = TypeVar("M", bound=Model)


def user_reach(user: User | AnonymousUser | None) -> str | None:
    """The division prefix the user reaches: "" for everything, None for nothing by division."""
    if user is None or not user.is_authenticated:
        return None
    assert isinstance(user, User)
    if user.is_platform_admin:
        return ""
    if user.role == Role.GRID_OFFICER:
        # A grid officer reaches the cells assigned to them (``grid_cells_of``), not a division.
        return None
    if user.is_scoped_staff and user.scope_code:
        return user.scope_code
    return None


def _digit_prefix_upper(prefix: str) -> str | None:
    """The smallest digit string above every string that starts with ``prefix``: "410202" -> "410203",
    "4109" -> "411", "99" -> None (no upper bound)."""
    head = prefix.rstrip("9")
    if not head:
        return None
    return head[:-1] + str(int(head[-1]) + 1)


def code_prefix_q(field: str, prefix: str, *, pattern: bool = True) -> Q:
    """``field`` starts with the division code ``prefix``, written so that an index on ``field`` is used.

    A ``LIKE 'prefix%'`` can only start an index scan under the C collation or a pattern-ops index, so PostgreSQL
    under any other collation (C.UTF-8 and en_US.UTF-8 included) walked a (division_code, name…) index from its
    first entry and filtered: 38 000 index rows for one county's first page at 200 000 institutions. A digit prefix
    also gets the range ``>= '410202' AND < '410203'``, an index condition on every index that leads with the code;
    over digit strings the range holds exactly the codes with the prefix, in every collation (tested). The ``LIKE``
    stays because the ``varchar_pattern_ops`` indexes serve only it (without it a county's enrolment list went from
    ~30 to ~125 ms at 200 000 institutions). Its price is the estimate: PostgreSQL multiplies the two conditions'
    selectivities and expects a county to hold a fiftieth of its rows, which can turn an index walk in list order
    into a sort of the whole county. ``pattern=False`` leaves the ``LIKE`` out of a digit prefix, for a column whose
    list order is read from a plain index (the course list reads the institutions' (division_code, name_key, id)).
    """
    q = Q(**{f"{field}__startswith": prefix})
    if not prefix.isdigit():
        return q
    q = (q if pattern else Q()) & Q(**{f"{field}__gte": prefix})
    upper = _digit_prefix_upper(prefix)
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def scope_q(
    user: User | AnonymousUser | None,
    field: str = "division_code",
    *,
    index_range: bool = True,
    pattern: bool = True,
) -> Q | None:
    """A Q restricting ``field`` to the user's jurisdiction; ``Q()`` for everything, None for nothing.
    ``index_range=False`` leaves the prefix a pattern alone, ``pattern=False`` a range alone (``code_prefix_q`` says
    what each costs)."""
    reach = user_reach(user)
    if reach is None:
        return None
    if reach == "":
        return Q()
    return code_prefix_q(field, reach, pattern=pattern) if index_range else Q(**{f"{field}__startswith": reach})


def scope_queryset(
    qs: QuerySet[M],
    user: User | AnonymousUser | None,
    field: str = "division_code",
    *,
    index_range: bool = True,
    pattern: bool = True,
) -> QuerySet[M]:
    """Restrict any queryset to the rows the user may see by jurisdiction (``index_range``, ``pattern``: see
    ``scope_q``)."""
    reach = user_reach(user)
    if reach and _holds_at_most(qs.model, field, len(reach)):
        # A county's reach on a column of county codes (max_length 6) is one value: equality lets PostgreSQL walk a
        # (division_code, <list order>) index in order, which a range or pattern over the code cannot.
        return qs.filter(**{field: reach})
    q = scope_q(user, field, index_range=index_range, pattern=pattern)
    if q is None:
        return qs.none()
    return qs.filter(q)


def _holds_at_most(model: type[Model], field: str, length: int) -> bool:
    """``field`` is a local text column of ``model`` whose values are at most ``length`` characters long."""
    if "__" in field:
        return False
    try:
        max_length = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return False
    return isinstance(max_length, int) and max_length <= length


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


# --- grid officers ------------------------------------------------------------------------------------------------


def grid_cells_of(user: User | AnonymousUser | None, day: datetime.date | None = None) -> frozenset[str]:
    """The codes of the grid cells assigned to a grid officer on ``day`` (today); empty for anyone else."""
    if user is None or not user.is_authenticated or getattr(user, "role", None) != Role.GRID_OFFICER:
        return frozenset()
    day = day or timezone.localdate()
    return frozenset(
        GridAssignment.objects.filter(officer_id=user.pk, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .values_list("cell_id", flat=True)
    )


def grid_q(user: User | AnonymousUser | None, field: str = "grid_code") -> Q | None:
    """A Q restricting ``field`` (a grid-cell code) to the officer's cells today; None for anyone else."""
    cells = grid_cells_of(user)
    if not cells:
        return None
    return Q(**{f"{field}__in": sorted(cells)})


def object_in_grid_reach(user: User | AnonymousUser | None, obj: Any) -> bool:
    """The object lies in one of the grid officer's cells: its own ``grid_code``, or that of the institution or
    unlicensed operation it concerns (an inspection lead raised on a patrol)."""
    cells = grid_cells_of(user)
    if not cells:
        return False
    for candidate in (obj, getattr(obj, "institution", None), getattr(obj, "unlicensed", None)):
        code = getattr(candidate, "grid_code", None)
        if isinstance(code, str) and code in cells:
            return True
    return False


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
