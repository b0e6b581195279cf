"""The public search finds an institution by its registered name as bureaus write it — full-width brackets,
digits and spaces — whichever width the person types, on the portal page and in the public API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.registry import search
from shuangjian.registry.models import Institution
from shuangjian.registry.names import COMMON_FULL_WIDTH, search_form

from .helpers import divisions, make_institution

pytestmark = pytest.mark.django_db
API = "/api/v1/public/institutions"

NAMES = [
    "开封市龙亭区某某培训学校（分校）",
    "开封市龙亭区某某培训学校(二分校)",
    "开封市第１２３艺术培训中心",
    "开封市祥符区　启航科技培训学校",
    "开封市鼓楼区Ａ＆Ｂ－英语培训学校",
]


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def registered() -> dict[str, Institution]:
    divisions()
    return {name: make_institution(name=name) for name in NAMES}


def api_names(client: Any, q: str) -> list[str]:
    cache.clear()
    response = client.get(API, {"q": q})
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


def page_has(client: Any, q: str, name: str) -> bool:
    cache.clear()
    return name in client.get(reverse("portal:search"), {"q": q}).content.decode()


@pytest.mark.parametrize(
    "query,expected",
    [
        # The exact registered name, as copied from a licence or a notice.
        ("开封市龙亭区某某培训学校（分校）", "开封市龙亭区某某培训学校（分校）"),
        # Typed with half-width brackets, or the other way round.
        ("开封市龙亭区某某培训学校(分校)", "开封市龙亭区某某培训学校（分校）"),
        ("开封市龙亭区某某培训学校（二分校）", "开封市龙亭区某某培训学校(二分校)"),
        ("某某培训学校（分校", "开封市龙亭区某某培训学校（分校）"),  # a fragment, by contains
        # Full-width digits and spaces.
        ("开封市第１２３艺术培训中心", "开封市第１２３艺术培训中心"),
        ("开封市第123艺术", "开封市第１２３艺术培训中心"),
        ("第123艺术", "开封市第１２３艺术培训中心"),
        ("开封市祥符区 启航科技培训学校", "开封市祥符区　启航科技培训学校"),
        ("开封市祥符区　启航", "开封市祥符区　启航科技培训学校"),
    ],
)
def test_a_name_is_found_whichever_width_it_is_typed_in(
    client: Any, registered: dict[str, Institution], query: str, expected: str
) -> None:
    assert expected in api_names(client, query)
    assert page_has(client, query, expected)


def test_the_exact_name_lists_first_and_other_names_stay_out(client: Any, registered: dict[str, Institution]) -> None:
    found = api_names(client, "开封市龙亭区某某培训学校（分校）")
    assert found == ["开封市龙亭区某某培训学校（分校）"]
    assert api_names(client, "开封市第124艺术") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's column maps brackets, digits, spaces only")
def test_full_width_letters_and_signs_on_postgresql(client: Any, registered: dict[str, Institution]) -> None:
    name = "开封市鼓楼区Ａ＆Ｂ－英语培训学校"
    assert name in api_names(client, name)
    assert name in api_names(client, "A&B-英语")


def test_the_stored_search_form_follows_every_write(registered: dict[str, Institution]) -> None:
    inst = registered["开封市第１２３艺术培训中心"]
    inst.refresh_from_db()
    assert inst.search_name == "开封市第123艺术培训中心"
    inst.name = "开封市第４５６艺术培训中心（东校区）"
    inst.save()
    inst.refresh_from_db()
    assert inst.search_name == "开封市第456艺术培训中心(东校区)"
    Institution.objects.filter(pk=inst.pk).update(name="开封市（改名）")  # a queryset update too
    inst.refresh_from_db()
    assert inst.search_name == "开封市(改名)"


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=COMMON_FULL_WIDTH + "培训(). -&0123456789", min_size=1, max_size=12))
def test_the_column_and_the_query_agree_on_the_characters_bureaus_write(text: str) -> None:
    # The SQLite column maps only these characters; for them it must be exactly NFKC, as the query side is.
    inst = make_institution(name=f"名{text}")
    inst.refresh_from_db()
    assert inst.search_name == search_form(inst.name)
    assert search.normalise(f"名{text}") == search_form(f"名{text}").strip()[:64]
    inst.delete()
