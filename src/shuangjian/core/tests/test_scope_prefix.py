"""The jurisdiction prefix as an index range: same rows as a plain prefix match, on both databases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from shuangjian.core.models import Division, DivisionLevel
from shuangjian.core.scope import _digit_prefix_upper, code_prefix_q

digits = st.text(alphabet="0123456789", min_size=1, max_size=9)


@given(prefix=digits, rest=st.text(alphabet="0123456789", max_size=6), other=digits)
def test_range_holds_every_extension_and_the_prefix_decides(prefix: str, rest: str, other: str) -> None:
    upper = _digit_prefix_upper(prefix)
    code = prefix + rest
    assert prefix <= code and (upper is None or code < upper)
    # Over digits the range is exactly the prefix, both ways (the LIKE stays for codes with other characters).
    in_range = prefix <= other and (upper is None or other < upper)
    assert in_range == other.startswith(prefix)


@pytest.mark.parametrize(
    ("prefix", "upper"), [("410202", "410203"), ("4109", "411"), ("4199", "42"), ("99", None), ("0", "1")]
)
def test_upper_bound_of_a_prefix(prefix: str, upper: str | None) -> None:
    assert _digit_prefix_upper(prefix) == upper


@pytest.mark.django_db
def test_prefix_query_answers_exactly_the_codes_that_start_with_it() -> None:
    codes = ["4109", "410901", "41099", "411", "4110", "41", "42", "9", "99", "999", "4108", "41090"]
    Division.objects.bulk_create(Division(code=c, name=c, level=DivisionLevel.COUNTY) for c in codes)
    for prefix in ["4109", "41", "9", "99", "4", "411", "41099"]:
        for pattern in (True, False):
            rows = Division.objects.filter(code__in=codes).filter(code_prefix_q("code", prefix, pattern=pattern))
            got = set(rows.values_list("code", flat=True))
            assert got == {c for c in codes if c.startswith(prefix)}, (prefix, pattern)


@pytest.mark.django_db
def test_county_scope_is_an_index_range_not_only_a_pattern() -> None:
    with CaptureQueriesContext(connection) as ctx:
        list(Division.objects.filter(code_prefix_q("code", "410202")))
    sql = ctx.captured_queries[-1]["sql"]
    assert "LIKE" in sql and ">= '410202'" in sql and "< '410203'" in sql


@pytest.mark.django_db
def test_a_range_alone_leaves_the_pattern_out_but_not_for_a_prefix_that_is_not_digits() -> None:
    with CaptureQueriesContext(connection) as ctx:
        list(Division.objects.filter(code_prefix_q("code", "410202", pattern=False)))
        list(Division.objects.filter(code_prefix_q("code", "41x", pattern=False)))
    ranged, odd = (q["sql"] for q in ctx.captured_queries[-2:])
    assert "LIKE" not in ranged and ">= '410202'" in ranged and "< '410203'" in ranged
    assert "LIKE" in odd


@pytest.mark.django_db
def test_a_county_reach_on_a_county_code_column_is_one_value_and_a_city_reach_a_range() -> None:
    from shuangjian.core.models import User
    from shuangjian.core.scope import scope_queryset
    from shuangjian.core.tests.factories import RegulatorFactory
    from shuangjian.registry.models import Institution
    from shuangjian.registry.tests.factories import InstitutionFactory

    inside, neighbour, other_city = (InstitutionFactory(division_code=c) for c in ("410202", "410203", "410101"))
    county: User = RegulatorFactory.create(scope_code="410202")
    city: User = RegulatorFactory.create(scope_code="4102")
    county_qs = scope_queryset(Institution.objects.all(), county)
    assert set(county_qs) == {inside}
    assert '"division_code" = ' in str(county_qs.query)
    assert set(scope_queryset(Institution.objects.all(), city)) == {inside, neighbour}
    assert other_city not in set(scope_queryset(Institution.objects.all(), city))
