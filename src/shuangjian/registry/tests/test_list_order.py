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
    statements = {
        "white list candidates": lists.whitelist_rows_for_user(user=regulator).candidates[:200],
        "zombies": selectors.zombies_for_user(user=regulator)[:30],
        "institution list": selectors.institution_list_for_user(user=regulator)[:30],
    }
    with connection.cursor() as cursor:
        # A test database is tiny: without these the planner reads the table and sorts it, index or not.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
    for label, qs in statements.items():
        plan = _plan(*qs.query.sql_with_params())
        assert "Sort" not in plan, f"{label}:\n{plan}"
        assert "inst_div_namekey_id" in plan or "inst_active_div_namekey" in plan, f"{label}:\n{plan}"
