"""The public name index (registry.name_index): the SQL statement's answers, fresh after a write."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangjian.core.models import Department, User
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.portal import selectors as portal_selectors
from shuangjian.registry import name_index, search, services
from shuangjian.registry.lists import today_local
from shuangjian.registry.models import BlacklistEntry, Institution, SearchNameChange

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


# An entry's period relative to today: in force (open or with an end), ended yesterday, starting tomorrow.
PERIODS = {
    "open": (-10, None),
    "until_today": (-10, 0),
    "ended": (-30, -1),
    "future": (1, None),
    "starts_today": (0, 5),
}


def _blacklist(inst: Institution, publisher: User, period: str) -> BlacklistEntry:
    start, end = PERIODS[period]
    today = today_local()
    return BlacklistEntry.objects.create(
        institution=inst,
        publisher=publisher,
        reason="无证办学",
        legal_basis="《校外培训行政处罚暂行办法》第十七条",
        start=today + datetime.timedelta(days=start),
        end=None if end is None else today + datetime.timedelta(days=end),
        department=Department.EDUCATION,
        division_code=inst.division_code,
    )


def _same_rows(index: name_index.NameIndex, ids: list[int]) -> None:
    """The page's rows with the index's black list are the rows the statement reads with its own."""
    today = today_local()
    columns = ("name", "uscc", "status")
    with_index = search.page_rows(ids, columns=columns, today=today, blacklisted=index.blacklisted_on(today))
    assert with_index == search.page_rows(ids, columns=columns, today=today)


def _same_answer(text: str, *, page: int, count_limit: int) -> None:
    index = name_index.build()
    hits = index.search(text, page=page, count_limit=count_limit)
    _same_rows(index, hits.ids)
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
    listed=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(sorted(PERIODS))), max_size=8),
)
def test_the_index_answers_as_the_sql_statement(
    names: list[str], queries: list[str], page: tuple[int, int], listed: list[tuple[int, str]]
) -> None:
    BlacklistEntry.objects.all().delete()
    Institution.objects.all().delete()
    _bulk([n for n in names if n.strip()] or ["启明"])
    stored = list(Institution.objects.values_list("search_name", flat=True))
    # Black-list entries in and out of force (several on one institution too): the answer's black-list fact from
    # the index is the statement's.
    everyone = list(Institution.objects.order_by("pk"))
    publisher: Any = User.objects.filter(username="nx_publisher").first() or RegulatorFactory(username="nx_publisher")
    for n, period in listed:
        _blacklist(everyone[n % len(everyone)], publisher, period)
    _same_rows(name_index.build(), [i.pk for i in everyone])
    # Queries as typed, and pieces of stored names (so that most of them match something).
    texts = [search.normalise(q) for q in queries] + [n[1:4] for n in stored[:6]] + [n[:2] for n in stored[:3]]
    for text in texts:
        if len(text) >= 2:
            _same_answer(text, page=page[0], count_limit=page[1])


def test_the_public_answer_is_the_same_from_the_index_and_from_sql(client: Any, db: Any, settings: Any) -> None:
    divisions()
    made = [make_institution(name=f"开封市龙亭区同答培训{n:02d}") for n in range(14)]
    made += [make_institution(name=f"同答艺术{n}") for n in range(3)]
    publisher: Any = RegulatorFactory(username="nx_same")
    for inst, period in zip(made, sorted(PERIODS) * 2, strict=False):
        _blacklist(inst, publisher, period)
    queries = ("同答", "同答培训", "龙亭区同", "查无此名", made[0].uscc, made[2].licence_no, made[16].uscc)
    answers = {}
    for how in ("inline", "off"):
        settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX = how
        cache.clear()
        answers[how] = [client.get(API, {"q": q}).content for q in queries]
        assert (name_index.current() is not None) is (how == "inline")  # the first answers came from the index
    assert answers["inline"] == answers["off"]
    on_list = [r["name"] for q in ("同答培训", "同答艺术") for r in client.get(API, {"q": q}).json()["results"]]
    assert len(on_list) == 13  # 10 a page, then the three 艺术
    listed = {
        r["name"]
        for q in ("同答培训", "同答艺术")
        for r in client.get(API, {"q": q}).json()["results"]
        if r["on_blacklist"]
    }
    in_force = {
        m.name for m, p in zip(made, sorted(PERIODS) * 2, strict=False) if p in ("open", "until_today", "starts_today")
    }
    assert listed == in_force & set(on_list) and listed


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


def test_a_change_of_black_list_membership_is_seen_within_the_check_interval(
    client: Any, db: Any, settings: Any, monkeypatch: Any
) -> None:
    """Listing, lifting and deleting an entry (services and any other write path): the answers from the index
    follow within the check interval, as the SQL answers do at once."""
    divisions()
    settings.SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS = 0
    settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS = 2
    clock = [1000.0]
    monkeypatch.setattr(name_index.time, "monotonic", lambda: clock[0])
    inst = make_institution(name="开封市龙亭区名单变化培训学校")
    regulator: Any = RegulatorFactory(username="nx_change", scope_code="410202")

    def listed(q: str = "名单变化") -> bool:
        results = client.get(API, {"q": q}).json()["results"]
        assert [r["name"] for r in results] == [inst.name]
        return bool(results[0]["on_blacklist"])

    def standing(q: str = "名单变化") -> list[str]:
        return [f["code"] for f in client.get(API, {"q": q}).json()["results"][0]["standing"]]

    assert not listed() and name_index.current() is not None and standing()[0] == "whitelisted"
    entry = services.blacklist_add(actor=regulator, institution=inst, reason="无证办学", legal_basis="第十七条")
    clock[0] += 2.5  # past the interval: the change mark makes the process build its index again
    assert listed() and listed(inst.uscc) and standing()[0] == "blacklisted"
    assert name_index.current() is not None  # answered from the new index, not only from SQL meanwhile
    services.blacklist_lift(actor=regulator, entry=entry, reason="整改到位")
    clock[0] += 2.5
    assert not listed() and not listed(str(inst.licence_no))
    BlacklistEntry.objects.filter(pk=entry.pk).update(end=None)  # any write path, not only the services
    clock[0] += 2.5
    assert listed()
    BlacklistEntry.objects.filter(pk=entry.pk).delete()
    clock[0] += 2.5
    assert not listed()


def test_the_black_list_of_another_day_is_not_used(client: Any, db: Any, settings: Any, monkeypatch: Any) -> None:
    """An entry starting tomorrow is in force tomorrow although nothing was written: the index's set is a day's."""
    divisions()
    settings.SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS = 0
    inst = make_institution(name="开封市龙亭区明日列入培训学校")
    publisher: Any = RegulatorFactory(username="nx_tomorrow")
    _blacklist(inst, publisher, "future")
    assert client.get(API, {"q": "明日列入"}).json()["results"][0]["on_blacklist"] is False
    index = name_index.current()
    assert index is not None
    tomorrow = today_local() + datetime.timedelta(days=1)
    assert index.blacklisted_on(tomorrow) is None  # the page statement reads the fact itself that day
    rows = search.page_rows([inst.pk], columns=("name",), today=tomorrow, blacklisted=index.blacklisted_on(tomorrow))
    assert bool(rows[0][2]) is True
    monkeypatch.setattr(name_index.timezone, "localdate", lambda: tomorrow)
    monkeypatch.setattr(portal_selectors, "today_local", lambda: tomorrow)
    settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS = 0
    assert client.get(API, {"q": "明日列入"}).json()["results"][0]["on_blacklist"] is True
    rebuilt = name_index.current()
    assert rebuilt is not None and rebuilt.day == tomorrow
