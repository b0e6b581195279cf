"""The capped total of long lists: counted only as far as needed, every page reachable (the exact total on request
is a background job, core.exact_counts)."""

from __future__ import annotations

from typing import Any

import pytest

from shuangjian.core.models import Division, DivisionLevel
from shuangjian.core.pagination import CappedCountPaginator


def test_counts_up_to_the_cap_and_says_more_exist() -> None:
    rows = list(range(25))
    page = CappedCountPaginator(rows, 5, cap=10).get_page(1)
    paginator: Any = page.paginator
    assert paginator.is_capped and paginator.count_floor == 10 and paginator.pages_floor == 2
    assert list(page.object_list) == [0, 1, 2, 3, 4] and page.has_next() and not page.has_previous()


def test_every_page_stays_reachable_and_the_end_is_exact() -> None:
    rows = list(range(25))
    page = CappedCountPaginator(rows, 5, cap=10).get_page(4)  # past the cap: counted as far as page 4 needs
    assert list(page.object_list) == [15, 16, 17, 18, 19] and page.has_next()
    last = CappedCountPaginator(rows, 5, cap=10).get_page(5)
    paginator: Any = last.paginator
    assert not paginator.is_capped and paginator.count == 25 and paginator.num_pages == 5
    assert list(last.object_list) == [20, 21, 22, 23, 24] and not last.has_next()


@pytest.mark.parametrize("number", ["abc", None, "", "-3", "0", str(10**30), "1e9"])
def test_odd_page_numbers_answer_a_page(number: Any) -> None:
    page = CappedCountPaginator(list(range(25)), 5, cap=10).get_page(number)
    assert len(page.object_list) == 5


def test_a_short_list_is_counted_exactly() -> None:
    page = CappedCountPaginator(list(range(7)), 5, cap=10).get_page(1)
    paginator: Any = page.paginator
    assert not paginator.is_capped and paginator.count == 7 and paginator.num_pages == 2


@pytest.mark.django_db
def test_a_queryset_is_counted_per_query_and_never_past_the_cap(django_assert_num_queries: Any) -> None:
    """The exact total past the cap is a background job's (core.exact_counts): the pager has no exact mode."""
    for n in range(12):
        Division.objects.create(code=f"4102{n:02d}", name=f"区{n}", level=DivisionLevel.COUNTY)
    counties = Division.objects.filter(code__startswith="4102").order_by("code")
    with django_assert_num_queries(1):
        capped: Any = CappedCountPaginator(counties, 5, cap=5).get_page(1).paginator
        assert capped.is_capped and capped.count_floor == 5 and capped.count == 6  # counted to cap + 1, no further
    narrower: Any = CappedCountPaginator(counties.filter(code__lt="410205"), 5, cap=5).get_page(1).paginator
    assert not narrower.is_capped and narrower.count == 5  # another filter, its own exact total under the cap
