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
from shuangjian.registry.tests.helpers_h6 import body, divisions, make_institution, read_xlsx

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
    assert "未取得办学许可证" in payload["whitelist_reasons"]


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
    assert response.json()["count"] == 20


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
