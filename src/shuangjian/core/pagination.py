"""Pagination for long staff lists: a total counted only as far as a person can use it.

An exact ``COUNT(*)`` over a city's 200,000 institutions reads every one of them on every page view, and it is
the only part of a list page that grows with the data. ``CappedCountPaginator`` counts at most ``cap`` rows
(or as many as the requested page needs, so every page stays reachable): past that the page says "more than
10,000" and offers the exact total on request, counted by a background job (``core.exact_counts``), never in
the request. A filtered list smaller than the cap shows its exact total as before.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

COUNT_CAP = 10_000
# A page number beyond this is treated as this one when deciding how far to count (a fuzzed page=10**30 must
# not turn into a LIMIT the database cannot take); such a page answers the last page counted.
MAX_COUNTED_PAGE = 100_000


class CappedCountPaginator(Paginator):
    """``Paginator`` whose ``count`` stops at ``cap`` rows; see the module docstring.

    ``is_capped`` says whether more rows exist than were counted; ``count_floor`` and ``pages_floor`` are then
    the totals the page can honestly claim to exceed.
    """

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kw: Any) -> None:
        super().__init__(object_list, per_page, **kw)
        self.cap = COUNT_CAP if cap is None else cap
        self.is_capped = False
        self._wanted = 1

    def get_page(self, number: Any) -> Page[Any]:
        try:
            self._wanted = min(max(int(number), 1), MAX_COUNTED_PAGE)
        except (TypeError, ValueError, OverflowError):
            self._wanted = 1
        else:
            # Django answers a page below 1 with the last page, which here would be the last one counted.
            number = max(int(number), 1)
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        limit = max(self.cap, self._wanted * self.per_page) + 1
        counted = self.count_rows(limit)
        self.is_capped = counted >= limit
        return counted

    def count_rows(self, limit: int) -> int:
        """The list's rows counted no further than ``limit``: a list that knows a cheaper way says so with a
        ``count_up_to(limit)`` of its own (``registry.lists.WhitelistRows``)."""
        rows: Any = self.object_list
        if hasattr(rows, "count_up_to"):
            return int(rows.count_up_to(limit))
        # Only the ids, unordered: the database stops after ``limit`` index entries.
        return int(rows.order_by().values("pk")[:limit].count()) if hasattr(rows, "values") else len(rows[:limit])

    @property
    def count_floor(self) -> int:
        """Rows known to exist beyond which the list was not counted ("more than N")."""
        return self.count - 1 if self.is_capped else self.count

    @property
    def pages_floor(self) -> int:
        return self.count_floor // self.per_page if self.is_capped else self.num_pages


def count_up_to(rows: Any, cap: int) -> tuple[int, bool]:
    """How many rows ``rows`` (a queryset) holds, counted no further than ``cap``: ``(count, more)``, where ``more``
    says there are more than ``cap`` (the count is then ``cap``). For a figure on a dashboard, whose exact value
    past a few hundred changes nothing a reader does, and whose exact ``COUNT(*)`` grows with the register."""
    counted = int(rows.order_by().values("pk")[: cap + 1].count())
    return min(counted, cap), counted > cap


M = TypeVar("M", bound=Model)


class IdsFirstQuerySet(QuerySet[M]):
    """A list whose page (a slice) is read as the page's ids first, then those rows:
    ``WHERE pk IN (SELECT pk … ORDER BY … LIMIT n OFFSET m)``, same rows, same order.

    Asked for whole rows with joins and a ``LIMIT``, PostgreSQL can misjudge how many rows a jurisdiction's range
    holds and join every one of them before sorting; the ids alone come off the list-order index. Counts,
    ``values()`` and unsliced reads are the plain queryset's.
    """

    def __getitem__(self, k: Any) -> Any:
        if (
            isinstance(k, slice)
            and k.step is None
            and (k.start is None or (isinstance(k.start, int) and k.start >= 0))
            and (isinstance(k.stop, int) and k.stop >= 0)
            and self._result_cache is None
            and self._iterable_class is ModelIterable
            and self.ordered
            and not self.query.is_sliced
            and not self.query.distinct
        ):
            return self.filter(pk__in=self.values("pk")[k])
        return super().__getitem__(k)
