"""The public name index (registry.name_index): the SQL statement's answers, fresh after a write."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangjian.registry import name_index, search
from shuangjian.registry.models import Institution, SearchNameChange

from .helpers import divisions, make_institution, new_uscc

API = "/api/v1/public/institutions"

# Few characters, so names share pairs and queries match often; upper and lower case (SQLite's LIKE ignores ASCII
# case), LIKE's wildcards and escape character, a space.
ALPHABET = "启明博雅星辰aAb1%_\\ "


def _bulk(names: list[str]) -> None:
    Institution.objects.bulk_create(
        Institution(
            name=name,
            name_key=name,
            uscc=new_uscc(),
            category="subject",
            legal_rep_name="张三",
            legal_rep_id="11010519491231002X",
            address="开封市龙亭区",
            division_code="410202",
            phone="0371-1",
        )
        for name in names
    )


def _same_answer(text: str, *, page: int, count_limit: int) -> None:
    index = name_index.build()
    hits = index.search(text, page=page, count_limit=count_limit)
    ids = hits.ids
    totals = search.search_totals(len(ids), hits.prefixed, hits.contained, page=page, count_limit=count_limit)
    sql_ids, sql_totals = search.sql_name_hits(text, page=page, count_limit=count_limit)
    if not sql_ids:
        assert ids == [], text
        return
    assert (totals.total, totals.more) == (sql_totals.total, sql_totals.more), text
    if sql_totals.total is not None or hits.prefixed > page:
        assert ids == sql_ids, text  # every match counted, or a page of prefix matches: one right answer
        return
    # Past the count limit SQL lists from the first matches it happens to find, the index from the first in name
    # order: both list as many, prefix matches first, each group in name order, every one matching.
    assert len(ids) == len(sql_ids), text
    names = dict(Institution.objects.filter(pk__in=ids + sql_ids).values_list("pk", "search_name"))
    fold = index.fold
    for listed in (ids, sql_ids):
        starts = [fold(names[pk]).startswith(fold(text)) for pk in listed]
        assert starts == sorted(starts, reverse=True), text
        assert all(fold(text) in fold(names[pk]) for pk in listed), text
    assert [pk for pk in ids if fold(names[pk]).startswith(fold(text))] == [
        pk for pk in sql_ids if fold(names[pk]).startswith(fold(text))
    ], text


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=9), min_size=1, max_size=40),
    queries=st.lists(st.text(alphabet=ALPHABET, min_size=2, max_size=4), min_size=1, max_size=6),
    page=st.sampled_from([(10, 20), (3, 5), (2, 2)]),
)
def test_the_index_answers_as_the_sql_statement(names: list[str], queries: list[str], page: tuple[int, int]) -> None:
    Institution.objects.all().delete()
    _bulk([n for n in names if n.strip()] or ["启明"])
    stored = list(Institution.objects.values_list("search_name", flat=True))
    # Queries as typed, and pieces of stored names (so that most of them match something).
    texts = [search.normalise(q) for q in queries] + [n[1:4] for n in stored[:6]] + [n[:2] for n in stored[:3]]
    for text in texts:
        if len(text) >= 2:
            _same_answer(text, page=page[0], count_limit=page[1])


def test_the_public_answer_is_the_same_from_the_index_and_from_sql(client: Any, db: Any, settings: Any) -> None:
    divisions()
    for n in range(14):
        make_institution(name=f"开封市龙亭区同答培训{n:02d}")
    for n in range(3):
        make_institution(name=f"同答艺术{n}")
    answers = {}
    for how in ("inline", "off"):
        settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX = how
        cache.clear()
        answers[how] = [client.get(API, {"q": q}).content for q in ("同答", "同答培训", "龙亭区同", "查无此名")]
        assert (name_index.current() is not None) is (how == "inline")  # the first answers came from the index
    assert answers["inline"] == answers["off"]


def test_a_renamed_institution_is_found_under_its_new_name_within_the_check_interval(
    client: Any, db: Any, settings: Any, monkeypatch: Any
) -> None:
    divisions()
    settings.SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS = 0
    settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS = 2
    clock = [1000.0]
    monkeypatch.setattr(name_index.time, "monotonic", lambda: clock[0])
    inst = make_institution(name="开封市龙亭区旧名培训学校")

    def found(q: str) -> list[str]:
        return [r["name"] for r in client.get(API, {"q": q}).json()["results"]]

    assert found("旧名培训") == ["开封市龙亭区旧名培训学校"]
    Institution.objects.filter(pk=inst.pk).update(name="开封市龙亭区新名培训学校")  # any write path: a trigger marks it
    clock[0] += 1  # within the interval the process has not looked yet (the documented delay)
    assert found("新名培训") == []
    clock[0] += 1.5  # past it: the index is rebuilt from the database
    assert found("新名培训") == ["开封市龙亭区新名培训学校"] and found("旧名培训") == []
    # A new institution and a deleted one likewise; the other columns of a listed one are read fresh every time.
    make_institution(name="新名培训分校")
    inst.refresh_from_db()
    inst.phone = "0371-99999999"
    inst.save()
    clock[0] += 2.5
    assert found("新名培训") == ["新名培训分校", "开封市龙亭区新名培训学校"]
    assert client.get(API, {"q": "新名培训学校"}).json()["results"][0]["phone"] == "0371-99999999"
    Institution.objects.filter(name="新名培训分校").delete()
    clock[0] += 2.5
    assert found("新名培训") == ["开封市龙亭区新名培训学校"]


def test_only_writes_that_change_names_or_codes_mark_a_change(db: Any) -> None:
    divisions()
    marks = SearchNameChange._default_manager.count
    before = marks()
    inst = make_institution(name="标记培训学校")
    assert marks() == before + 1
    inst.phone = "0371-7"
    inst.status = "stopped"
    inst.save()
    assert marks() == before + 1  # no name or code changed
    inst.name = "标记培训学校二"
    inst.save()
    assert marks() == before + 2
    Institution.objects.filter(pk=inst.pk).update(uscc=new_uscc())
    assert marks() == before + 3
    inst.delete()
    assert marks() == before + 4


@pytest.mark.django_db(transaction=True)
def test_the_server_builds_its_index_in_the_background_while_sql_answers(client: Any, settings: Any) -> None:
    divisions()
    settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX = "background"
    settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS = 0
    settings.SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS = 0
    make_institution(name="后台索引培训学校")
    # The first search finds no index, starts a build and is answered by SQL.
    assert client.get(API, {"q": "后台索引"}).json()["count"] == 1
    deadline = time.monotonic() + 30
    while name_index.current() is None:
        assert time.monotonic() < deadline, "the index was not built"
        time.sleep(0.05)
    assert client.get(API, {"q": "后台索引"}).json()["count"] == 1


def test_without_its_triggers_the_index_is_not_used(client: Any, db: Any) -> None:
    """A table rebuilt without the change triggers (a later SQLite migration could do that) must not leave a stale
    index answering: the process answers from SQL."""
    divisions()
    make_institution(name="无触发器培训学校")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER registry_inst_names_row ON registry_institution")
        else:
            cursor.execute("DROP TRIGGER registry_inst_names_row")
    with pytest.raises(ValueError):
        name_index.build()
    assert client.get(API, {"q": "无触发器"}).json()["count"] == 1
    assert name_index.current() is None
