"""Public query (portal pages and API): the answer, no private data, and the per-IP rate limit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from shuangjian.core.models import Department
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry.lists import list_publish
from shuangjian.registry.models import BlacklistEntry, InstitutionStatus, SupervisionMode
from shuangjian.registry.tests.helpers import body, divisions, make_institution, read_xlsx

pytestmark = pytest.mark.django_db

API = "/api/v1/public/institutions"
PRIVATE_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def data() -> dict[str, Any]:
    divisions()
    regulator: Any = RegulatorFactory(username="lt_portal")
    good = make_institution(
        name="开封市龙亭区启明培训学校",
        legal_rep_id=PRIVATE_ID,
        supervision_mode=SupervisionMode.BANK_CUSTODY,
        phone="0371-23456789",
    )
    bad = make_institution(name="开封市龙亭区黑名单培训中心", legal_rep_id=PRIVATE_ID)
    BlacklistEntry.objects.create(
        institution=bad,
        reason="卷款跑路",
        legal_basis="《校外培训行政处罚暂行办法》第十七条",
        start=datetime.date.today() - datetime.timedelta(days=3),
        publisher=regulator,
        department=Department.EDUCATION,
        division_code="410202",
    )
    unlicensed = make_institution(name="启明无证补习班", licence_no=None, status=InstitutionStatus.APPLYING)
    return {"good": good, "bad": bad, "unlicensed": unlicensed, "regulator": regulator}


def test_search_by_uscc_licence_and_name(client: Any, data: dict[str, Any]) -> None:
    good = data["good"]
    response = client.get(API, {"q": good.uscc.lower()})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["uscc"] == good.uscc
    first = results[0]
    assert first["licence_status"] == "valid" and first["licence_no"] == good.licence_no
    assert first["supervision_mode"] == "bank_custody" and first["supervised"] is True
    assert first["on_whitelist"] is True and first["on_blacklist"] is False
    assert first["division_name"] == "龙亭区" and first["category_label"] == "学科类"
    assert client.get(API, {"q": good.licence_no}).json()["results"][0]["uscc"] == good.uscc
    names = [r["name"] for r in client.get(API, {"q": "启明"}).json()["results"]]
    assert set(names) == {"开封市龙亭区启明培训学校", "启明无证补习班"}
    assert names[0] == "启明无证补习班"  # a name starting with the query comes before one containing it
    assert client.get(API, {"q": "不存在的机构名"}).json()["count"] == 0
    # Part of a name in the middle (the trigram path on PostgreSQL), and LIKE wildcards taken literally.
    assert [r["name"] for r in client.get(API, {"q": "龙亭区启明"}).json()["results"]] == ["开封市龙亭区启明培训学校"]
    assert client.get(API, {"q": "%%%"}).json()["count"] == 0
    assert client.get(API, {"q": "__"}).json()["count"] == 0


def test_nothing_private_is_published(client: Any, data: dict[str, Any]) -> None:
    detail = client.get(f"{API}/{data['bad'].uscc}")
    assert detail.status_code == 200
    payload = detail.json()
    text = detail.content.decode()
    assert PRIVATE_ID not in text and "legal_rep" not in text and '"id"' not in text
    assert str(data["bad"].pk) not in [str(v) for v in payload.values()]
    assert payload["on_blacklist"] is True and payload["blacklist"][0]["reason"] == "卷款跑路"
    assert payload["penalties"] == []
    assert "列入黑名单" in payload["whitelist_reasons"]
    search = client.get(API, {"q": "开封"}).content.decode()
    assert PRIVATE_ID not in search and "legal_rep" not in search
    page = client.get(reverse("portal:institution", args=[data["bad"].uscc])).content.decode()
    assert PRIVATE_ID not in page and "卷款跑路" in page and "黑名单" in page


def test_bad_queries(client: Any, data: dict[str, Any]) -> None:
    response = client.get(API, {"q": "启"})
    assert response.status_code == 422 and response.json()["code"] == "query_too_short"
    response = client.get(f"{API}/91410202XXXXXXXXXX")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unlicensed_institution_says_so(client: Any, data: dict[str, Any]) -> None:
    payload = client.get(f"{API}/{data['unlicensed'].uscc}").json()
    assert payload["licence_status"] == "none" and payload["on_whitelist"] is False
    assert "未持有有效的办学许可证" in payload["whitelist_reasons"]
    assert payload["standing"][0]["code"] == "applying" and payload["standing"][0]["tone"] == "danger"


def test_portal_pages(client: Any, data: dict[str, Any]) -> None:
    assert "这家校外培训机构有证吗" in client.get(reverse("portal:home")).content.decode()
    page = client.get(reverse("portal:search"), {"q": "启明"}).content.decode()
    assert "开封市龙亭区启明培训学校" in page and "银行托管" in page
    page = client.get(reverse("portal:search"), {"q": "查无此机构"}).content.decode()
    assert "没有找到" in page
    page = client.get(reverse("portal:whitelist")).content.decode()
    assert "开封市龙亭区启明培训学校" in page and "黑名单培训中心" not in page
    page = client.get(reverse("portal:blacklist")).content.decode()
    assert "黑名单培训中心" in page and "卷款跑路" in page


def test_published_lists_on_the_portal(client: Any, data: dict[str, Any]) -> None:
    pub = list_publish(actor=data["regulator"], year=datetime.date.today().year, division_code="410202")
    assert "年度" in client.get(reverse("portal:home")).content.decode()
    page = client.get(reverse("portal:publication", args=[pub.pk]), {"kind": "black"}).content.decode()
    assert "黑名单培训中心" in page
    sheet = read_xlsx(body(client.get(reverse("portal:publication_export", args=[pub.pk, "white"]))))
    assert [r[1] for r in sheet[1:]] == ["开封市龙亭区启明培训学校"]


def test_rate_limit_per_ip(client: Any, data: dict[str, Any], settings: Any) -> None:
    settings.SHUANGJIAN_PUBLIC_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert client.get(API, {"q": "启明"}, REMOTE_ADDR="10.0.0.1").status_code == 200
    limited = client.get(API, {"q": "启明"}, REMOTE_ADDR="10.0.0.1")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and "请求过于频繁" in limited.json()["detail"]
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another address is not affected; pages share the same budget and answer a Chinese 429 page.
    assert client.get(API, {"q": "启明"}, REMOTE_ADDR="10.0.0.2").status_code == 200
    page = client.get(reverse("portal:search"), {"q": "启明"}, REMOTE_ADDR="10.0.0.1")
    assert page.status_code == 429 and "请求过于频繁" in page.content.decode() and page["Retry-After"]


def test_search_query_count_is_bounded(client: Any, data: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    for n in range(25):
        make_institution(name=f"启明分校{n:02d}")
    with django_assert_max_num_queries(8):
        response = client.get(API, {"q": "启明"})
    assert response.json()["count"] == 10  # the default page


def test_answers_have_exactly_the_documented_fields(client: Any, data: dict[str, Any]) -> None:
    from shuangjian.portal.schemas import PublicInstitutionDetailOut, PublicInstitutionOut, PublicSearchOut

    search = client.get(API, {"q": "启明"}).json()
    assert set(search) == set(PublicSearchOut.model_fields)
    for result in search["results"]:
        assert set(result) == set(PublicInstitutionOut.model_fields)
    detail = client.get(f"{API}/{data['bad'].uscc}").json()
    assert set(detail) == set(PublicInstitutionDetailOut.model_fields)
    assert detail["blacklist"][0]["start"] == str(datetime.date.today() - datetime.timedelta(days=3))
    # The cached answer is the same answer.
    assert client.get(API, {"q": "启明"}).json() == search


def test_search_answer_matches_the_public_profile_for_every_kind_of_institution(client: Any) -> None:
    """The API builds search results straight from the statement's rows; each must be what ``public_profile``
    (the portal pages' and the detail answer's builder) says about the same institution, in both languages."""
    from django.utils import translation

    from shuangjian.portal import selectors
    from shuangjian.registry.models import AnnualInspection, Category, InspectionResult, NonSubjectField

    divisions()
    regulator: Any = RegulatorFactory(username="lt_profiles")
    today = datetime.date.today()
    long_ago = today - datetime.timedelta(days=5 * 365)
    made = [
        make_institution(name="甲比对启明学校", supervision_mode=SupervisionMode.RISK_DEPOSIT),
        make_institution(name="乙比对启明学校", licence_expires_on=today - datetime.timedelta(days=1)),
        make_institution(name="丙比对启明学校", status=InstitutionStatus.REVOKED),
        make_institution(name="丁比对启明学校", status=InstitutionStatus.DEREGISTERED),
        make_institution(name="戊比对启明学校", licence_no=None, status=InstitutionStatus.APPLYING),
        make_institution(name="己比对启明学校", licence_issued_on=long_ago, inspected=False),  # zombie
        make_institution(
            name="庚比对启明学校",
            category=Category.NON_SUBJECT,
            field=NonSubjectField.ARTS,
            licensed_subjects=[],
            licence_issued_on=long_ago,
            inspected=False,
        ),
        make_institution(
            name="辛比对启明学校", division_code="410212", licensed_subjects=["math", "english"], inspected=False
        ),
        make_institution(name="壬比对启明学校", division_code="410299"),  # a county missing from the table
    ]
    AnnualInspection.objects.create(
        institution=made[6],
        year=today.year - 1,
        result=InspectionResult.PASSED,
        inspected_on=today,
        division_code="410202",
    )
    AnnualInspection.objects.create(
        institution=made[7],
        year=today.year - 1,
        result=InspectionResult.FAILED,
        inspected_on=today,
        division_code="410212",
    )
    # Black-listed since yesterday; a second current entry must not list it twice; an entry that has ended does not
    # count.
    for inst, start, end in (
        (made[0], today - datetime.timedelta(days=1), None),
        (made[0], today - datetime.timedelta(days=30), None),
        (made[1], today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)),
    ):
        BlacklistEntry.objects.create(
            institution=inst,
            reason="违规收费",
            legal_basis="《校外培训行政处罚暂行办法》第十七条",
            start=start,
            end=end,
            publisher=regulator,
            department=Department.EDUCATION,
            division_code="410202",
        )
    for language in ("zh-hans", "en"):
        cache.clear()
        with translation.override(language):
            expected = [
                selectors.profile_dict(selectors.public_profile(inst), summary=True)
                for inst in sorted(made, key=lambda i: (i.name, i.uscc))
            ]
        response = client.get(API, {"q": "比对启明"}, HTTP_ACCEPT_LANGUAGE=language)
        results = response.json()["results"]
        expected = [{k: (str(v) if isinstance(v, datetime.date) else v) for k, v in e.items()} for e in expected]
        assert results == expected
        assert {r["name"]: r["on_whitelist"] for r in results}["辛比对启明学校"] is False  # failed its inspection
        assert {r["name"]: r["on_whitelist"] for r in results}["庚比对启明学校"] is True  # passed one last year
        assert [r["name"] for r in results if r["on_blacklist"]] == ["甲比对启明学校"]
        assert len(results) == len(made)
    # Exact codes answer through the same builder.
    for value in (made[7].uscc, made[7].licence_no):
        answer = client.get(API, {"q": value}, HTTP_ACCEPT_LANGUAGE="en").json()
        assert answer["results"] == [r for r in results if r["uscc"] == made[7].uscc]


def test_name_search_order_prefix_then_contains_up_to_a_page(client: Any, data: dict[str, Any], settings: Any) -> None:
    settings.SHUANGJIAN_PUBLIC_SEARCH_PAGE = 20
    for n in range(3):
        make_institution(name=f"开封市祥符区星河培训{n}")
    for n in range(2):
        make_institution(name=f"星河艺术中心{n}")
    names = [r["name"] for r in client.get(API, {"q": "星河"}).json()["results"]]
    assert names == ["星河艺术中心0", "星河艺术中心1"] + [f"开封市祥符区星河培训{n}" for n in range(3)]
    assert [r["name"] for r in client.get(API, {"q": "祥符区星河"}).json()["results"]] == names[2:]
    # A page of prefix matches leaves no room for the others: they are not even looked for.
    for n in range(20):
        make_institution(name=f"星河分校{n:02d}")
    cache.clear()
    names = [r["name"] for r in client.get(API, {"q": "星河"}).json()["results"]]
    assert len(names) == 20 and all(name.startswith("星河") for name in names) and names == sorted(names)
    # The portal page lists the same institutions in the same order.
    page = client.get(reverse("portal:search"), {"q": "星河"}).content.decode()
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)


def test_name_trigram_index_has_no_pending_list() -> None:
    """PostgreSQL: new names go straight into the trigram index (no fast-update list every search would read)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'inst_name_trgm'")
        assert cursor.fetchone()[0] == ["fastupdate=off"]


def test_like_wildcards_in_a_query_are_taken_literally(client: Any, data: dict[str, Any]) -> None:
    make_institution(name="满分100%培训中心")
    make_institution(name="满分1000培训中心")
    for q in ("满分100%", "100%培", "0%培训"):
        assert [r["name"] for r in client.get(API, {"q": q}).json()["results"]] == ["满分100%培训中心"], q
    assert client.get(API, {"q": "满分1_0"}).json()["count"] == 0


def test_a_repeated_search_is_answered_from_the_cache_with_the_same_headers(
    client: Any, data: dict[str, Any], monkeypatch: Any, settings: Any
) -> None:
    from shuangjian.portal import selectors

    first = client.get(API, {"q": "启明"})
    monkeypatch.setattr(selectors, "search_answer", lambda q: pytest.fail("a cached answer reached the handler"))
    again = client.get(API, {"q": "启明"})
    assert again.status_code == 200 and again.content == first.content
    assert dict(again.headers) == dict(first.headers)
    assert again["X-Frame-Options"] == "DENY" and again["Content-Language"] == "zh-hans"
    # Another language is another answer; a host outside ALLOWED_HOSTS is refused even for a cached one.
    with pytest.raises(pytest.fail.Exception):
        client.get(API, {"q": "启明"}, HTTP_ACCEPT_LANGUAGE="en")
    settings.ALLOWED_HOSTS = ["testserver"]
    assert client.get(API, {"q": "启明"}, HTTP_HOST="evil.example").status_code == 400
    # The cached answer still counts against the per-IP limit.
    settings.SHUANGJIAN_PUBLIC_RATE_LIMIT = "2/m"
    assert client.get(API, {"q": "启明"}, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get(API, {"q": "启明"}, REMOTE_ADDR="10.0.0.9").status_code == 200
    limited = client.get(API, {"q": "启明"}, REMOTE_ADDR="10.0.0.9")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited" and limited["Retry-After"]


def test_name_search_says_how_many_match_and_whether_all_are_listed(
    client: Any, data: dict[str, Any], monkeypatch: Any, settings: Any
) -> None:
    from shuangjian.portal import selectors

    settings.SHUANGJIAN_PUBLIC_SEARCH_PAGE = 20

    for n in range(2):
        make_institution(name=f"云帆培训{n}")
    for n in range(3):
        make_institution(name=f"开封市祥符区云帆艺术{n}")
    answer = client.get(API, {"q": "云帆"}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (5, 5, False)
    page = client.get(reverse("portal:search"), {"q": "云帆"}).content.decode()
    assert 'data-testid="more"' not in page
    # More matches than a page, all counted (with a count limit above the page): the first 20 (prefix matches
    # first, each in name order) and the total.
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 100)
    for n in range(25):
        make_institution(name=f"开封市龙亭区云帆科技{n:02d}")
    cache.clear()
    answer = client.get(API, {"q": "云帆"}).json()
    names = [r["name"] for r in answer["results"]]
    assert (answer["count"], answer["total"], answer["more"]) == (20, 30, True)
    others = sorted(
        [f"开封市祥符区云帆艺术{n}" for n in range(3)] + [f"开封市龙亭区云帆科技{n:02d}" for n in range(25)]
    )
    assert names == ["云帆培训0", "云帆培训1", *others[:18]]
    page = client.get(reverse("portal:search"), {"q": "云帆"}).content.decode()
    assert "共有 30 家机构符合，以下只列出其中 20 家" in page
    # Past the counting limit the answer stops counting and says so; what it lists still matches.
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 25)
    cache.clear()
    answer = client.get(API, {"q": "云帆"}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (20, None, True)
    assert all("云帆" in r["name"] for r in answer["results"])
    assert [r["name"] for r in answer["results"]][:2] == ["云帆培训0", "云帆培训1"]  # prefix matches still first
    page = client.get(reverse("portal:search"), {"q": "云帆"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Many institutions match; only 20 of them are listed" in page
    # A count limit of one page: past it, no total and the page is picked from the first 21 found.
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 20)
    cache.clear()
    answer = client.get(API, {"q": "云帆"}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (20, None, True)
    assert all("云帆" in r["name"] for r in answer["results"])
    # More prefix matches than a page: the first 20 of them in name order; the rest are not counted.
    for n in range(20):
        make_institution(name=f"云帆分校{n:02d}")
    cache.clear()
    answer = client.get(API, {"q": "云帆"}).json()
    names = [r["name"] for r in answer["results"]]
    assert (answer["count"], answer["total"], answer["more"]) == (20, None, True)
    assert names == sorted(["云帆培训0", "云帆培训1"] + [f"云帆分校{n:02d}" for n in range(20)])[:20]


def test_default_page_lists_ten_and_counts_up_to_twenty(client: Any, data: dict[str, Any], settings: Any) -> None:
    for n in range(15):
        make_institution(name=f"开封市龙亭区远帆科技{n:02d}")
    answer = client.get(API, {"q": "远帆"}).json()
    names = [r["name"] for r in answer["results"]]
    assert (answer["count"], answer["total"], answer["more"]) == (10, 15, True)
    assert names == [f"开封市龙亭区远帆科技{n:02d}" for n in range(10)]
    page = client.get(reverse("portal:search"), {"q": "远帆"}).content.decode()
    assert "共有 15 家机构符合，以下只列出其中 10 家" in page
    for n in range(15, 25):
        make_institution(name=f"开封市龙亭区远帆科技{n:02d}")
    cache.clear()
    answer = client.get(API, {"q": "远帆"}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (10, None, True)
    # A deployment may list more per search (within 1-50).
    settings.SHUANGJIAN_PUBLIC_SEARCH_PAGE = 500
    cache.clear()
    answer = client.get(API, {"q": "远帆"}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (25, 25, False)


def test_an_exact_code_match_is_the_whole_answer(client: Any, data: dict[str, Any]) -> None:
    answer = client.get(API, {"q": data["good"].uscc}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (1, 1, False)
    answer = client.get(API, {"q": "查无此机构"}).json()
    assert (answer["count"], answer["total"], answer["more"]) == (0, 0, False)


def test_prefix_range_covers_every_name_starting_with_the_text() -> None:
    from shuangjian.registry.search import _prefix_range

    assert _prefix_range("启明") == ("启明", "启昏")
    assert _prefix_range("ab") == ("ab", "ac")
    assert _prefix_range("a\ud7ff") == ("a\ud7ff", "a\ue000")  # no surrogate in between
    assert _prefix_range("a\U0010ffff") == ("a\U0010ffff", "b")
    low, high = _prefix_range("\U0010ffff\U0010ffff")
    assert low < "\U0010ffff" * 128 < high


def test_name_searches_on_the_generic_plan_answer_like_the_first_ones(
    client: Any, data: dict[str, Any], settings: Any
) -> None:
    """PostgreSQL keeps one generic plan for the prepared name statement after five runs (the texts it matches are
    hidden from the planner): answers given on that plan must be the ones given on the first, custom plans. (The SQL
    statement answers when the process has no fresh name index: switched off here.)"""
    from django.db import connection

    settings.SHUANGJIAN_PUBLIC_SEARCH_INDEX = "off"

    for n in range(3):
        make_institution(name=f"开封市祥符区甲乙培训{n}")
        make_institution(name=f"甲乙丙培训{n}")
    queries = ["甲乙培训", "甲乙丙", "祥符区甲乙", "查无此机构", "甲乙丙培训1", "启明培训", "培训学校"]
    first = {q: client.get(API, {"q": q}).json() for q in queries}
    for _ in range(2):
        for q in queries:
            cache.clear()
            assert client.get(API, {"q": q}).json() == first[q], q
    assert [r["name"] for r in first["甲乙丙"]["results"]] == [f"甲乙丙培训{n}" for n in range(3)]
    assert first["甲乙培训"]["total"] == 3 and first["培训学校"]["total"] == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE '%%WITH pre AS%%'")
            assert sum(row[0] for row in cursor.fetchall()) > 0


def test_searches_answered_early_look_like_the_api_and_the_rest_still_reach_it(
    client: Any, data: dict[str, Any]
) -> None:
    # A miss is answered before the rest of the stack, with the headers the full stack gives the detail endpoint.
    miss = client.get(API, {"q": "启明"})
    detail = client.get(f"{API}/{data['good'].uscc}")
    assert miss.status_code == 200 and detail.status_code == 200
    assert set(miss.headers) == set(detail.headers)
    assert miss["Content-Length"] == str(len(miss.content))
    # What the early path leaves to the API handler keeps the API's answers.
    short = client.get(API, {"q": "启"})
    assert short.status_code == 422 and short.json()["code"] == "query_too_short"
    assert client.get(API, {"q": "启明\x00"}).status_code < 500
    assert client.get(API).status_code == 422
