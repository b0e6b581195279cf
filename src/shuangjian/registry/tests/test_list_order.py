"""The staff lists of institutions (institution list, white list, zombies) in their order: division, name, pk.

Each page must show the rows the rules give one institution at a time (``standing``), in that order, across page
boundaries, ties on the name included; and on PostgreSQL page 1 of a county must come off an index in that order,
not from a sort of the whole county (a sort's cost grows with the county: 3 400 institutions at 200 000).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry import lists, selectors, standing
from shuangjian.registry.models import Institution, InstitutionStatus

from .helpers import divisions, make_institution

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def regulator() -> Any:
    divisions()
    cache.clear()  # the white-list page keeps its total for a minute
    yield RegulatorFactory(username="order_lists")
    cache.clear()


def _register() -> None:
    """75 institutions of the county in shuffled name order, a few sharing one name (the pk breaks the tie), a
    quarter each: zombie, inspected, not active, zombie without an issue date; two in the next county."""
    old = datetime.date(TODAY.year - 6, 5, 1)
    for n in range(75):
        name = "同名培训学校" if n % 11 == 0 else f"次序培训学校{(n * 37) % 75:02d}"
        kind = n % 4
        make_institution(
            name=name,
            inspected=kind == 1,
            licence_issued_on=None if kind == 3 else old,
            status=InstitutionStatus.SUSPENDED if kind == 2 else InstitutionStatus.ACTIVE,
        )
    for n in range(2):
        make_institution(name=f"邻县培训学校{n}", division_code="410212", inspected=False, licence_issued_on=old)


def _in_order(pred: Any) -> list[int]:
    insts = list(Institution.objects.filter(division_code__startswith="410202"))
    facts = standing.standing_facts_for(insts, TODAY)
    chosen = [i for i in insts if pred(facts[i.pk])]
    return [i.pk for i in sorted(chosen, key=lambda i: (i.division_code, i.name_key, i.pk))]


def test_zombie_pages_show_the_rule_s_zombies_in_list_order(client: Any, regulator: Any) -> None:
    _register()
    expected = _in_order(lambda f: f.zombie)
    assert len(expected) == 37  # kinds 0 and 3 of the 75
    client.force_login(regulator)
    shown: list[int] = []
    for page in (1, 2):
        shown += [inst.pk for inst, _ in client.get(reverse("registry:zombies") + f"?page={page}").context["rows"]]
    assert shown == expected


def test_white_list_pages_show_the_rule_s_list_in_list_order(client: Any, regulator: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(lists.WhitelistRows, "FIRST_CHUNK", 4)  # several chunks per page
    _register()
    for n in range(60):  # enough listed institutions for two pages of 50
        make_institution(name=f"白名单次序{(n * 7) % 60:02d}")
    expected = _in_order(standing.is_whitelisted)
    assert len(expected) == 79  # the 19 inspected of the first 75, and the 60
    client.force_login(regulator)
    shown: list[int] = []
    for page in (1, 2):
        shown += [inst.pk for inst in client.get(reverse("registry:whitelist") + f"?page={page}").context["page"]]
    assert shown == expected


def test_institution_list_pages_in_list_order(client: Any, regulator: Any) -> None:
    _register()
    expected = _in_order(lambda f: True)
    client.force_login(regulator)
    shown: list[int] = []
    for page in (1, 2, 3):
        shown += [
            inst.pk for inst in client.get(reverse("registry:institution_list") + f"?page={page}").context["page"]
        ]
    assert shown == expected


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_county_page_one_comes_off_the_list_order_index(regulator: Any) -> None:
    """With sorting priced out, each page's statement still needs no sort: an index gives the list's order (without
    one, page 1 of a county sorts every institution of it, or of the register)."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    _register()
    zombies = selectors.zombies_for_user(user=regulator)
    institutions = selectors.institution_list_for_user(user=regulator)
    # A page of whole rows is read through its ids (``ListPageQuerySet``): the ids are the statement to plan.
    for qs in (zombies, institutions):
        assert "IN (SELECT" in str(qs[30:60].query)
    statements: dict[str, Any] = {
        "white list candidates": lists.whitelist_rows_for_user(user=regulator).candidates[:200],
        "zombies": zombies.values("pk")[30:60],
        "institution list": institutions.values("pk")[30:60],
    }
    with connection.cursor() as cursor:
        # A test database is tiny: without these the planner reads the table and sorts it, index or not.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
    for label, page in statements.items():
        plan = _plan(*page.query.sql_with_params())
        assert "Sort" not in plan, f"{label}:\n{plan}"
        assert "inst_div_namekey_id" in plan or "inst_active_div_namekey" in plan, f"{label}:\n{plan}"


def test_a_page_read_through_its_ids_is_the_plain_slice(regulator: Any) -> None:
    """``ListPageQuerySet`` (new) against the same query sliced the usual way (old), for pages, ragged ends and the
    empty slice past the end; with a filter and ties on the name."""
    _register()
    lists_now = {
        "institutions": selectors.institution_list_for_user(user=regulator),
        "zombies": selectors.zombies_for_user(user=regulator),
        "filtered": selectors.institution_list_for_user(user=regulator).filter(name__startswith="同名"),
    }
    for label, qs in lists_now.items():
        plain = Institution.objects.filter(pk__in=qs.values("pk")).order_by("division_code", "name_key", "pk")
        whole = [i.pk for i in plain]
        assert whole, label
        for start, stop in ((0, 30), (30, 60), (7, 8), (0, 1), (len(whole) - 3, len(whole) + 5), (500, 530)):
            assert [i.pk for i in qs[start:stop]] == whole[start:stop], (label, start, stop)
        assert [i.pk for i in qs] == whole, label
