"""The top menu: many pages are grouped into dropdowns, a few stay one bar, and nothing is lost or doubled."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shuangjian.core.models import Department
from shuangjian.core.nav import FLAT_MENU_MAX, items_for, menu_for
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.students.tests import factories as sf

pytestmark = pytest.mark.django_db


def _pages_of(menu: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for entry in menu:
        if "children" in entry:
            names.extend(item["url_name"] for item in entry["children"])
        else:
            names.append(entry["url_name"])
    return names


def test_city_regulator_menu_is_grouped_and_keeps_every_page_once() -> None:
    regulator = RegulatorFactory.create(scope_code="4102", department=Department.EDUCATION)
    flat = items_for(regulator)
    assert len(flat) > FLAT_MENU_MAX
    menu = menu_for(regulator, "registry:whitelist")
    assert sorted(_pages_of(menu)) == sorted(str(item["url_name"]) for item in flat)
    groups = {str(entry["label"]): entry for entry in menu if "children" in entry}
    assert len(menu) <= 12, [str(e["label"]) for e in menu]
    institutions = groups["机构与人员"]
    assert institutions["active"] is True
    assert [i["url_name"] for i in institutions["children"] if i["active"]] == ["registry:whitelist"]  # type: ignore[attr-defined]
    assert not any(entry["active"] for label, entry in groups.items() if label != "机构与人员")


def test_a_parents_short_menu_stays_one_bar() -> None:
    parent = sf.ParentFactory.create()
    menu = menu_for(parent)
    assert len(items_for(parent)) <= FLAT_MENU_MAX
    assert all("children" not in entry for entry in menu)
    assert _pages_of(menu) == [item["url_name"] for item in items_for(parent)]


def test_layout_draws_the_groups_as_dropdowns(client: Client) -> None:
    regulator = RegulatorFactory.create(scope_code="4102", department=Department.EDUCATION)
    client.force_login(regulator)
    html = client.get("/registry/lists/white/").content.decode()
    assert html.count('data-testid="nav-group"') >= 4
    assert 'class="nav-link dropdown-toggle text-nowrap active"' in html
    assert 'class="dropdown-item active" aria-current="page"' in html
