"""White and black lists: who is on them, staff pages and scope, and the yearly publication snapshot."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shuangjian.core.models import AuditEvent, Department
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.registry.lists import list_publish, list_status, whitelist_queryset
from shuangjian.registry.models import (
    AnnualInspection,
    BlacklistEntry,
    InspectionResult,
    InstitutionStatus,
    ListKind,
    ListPublicationRow,
)

from .helpers import body, divisions, make_institution, read_xlsx

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def blacklist(inst: Any, publisher: Any, **kw: Any) -> BlacklistEntry:
    defaults = {
        "reason": "无证办学，拒不整改",
        "legal_basis": "《校外培训行政处罚暂行办法》第十七条",
        "start": TODAY - datetime.timedelta(days=10),
        "end": None,
        "department": Department.EDUCATION,
        "division_code": inst.division_code,
    }
    defaults.update(kw)
    return BlacklistEntry.objects.create(institution=inst, publisher=publisher, **defaults)


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    from django.core.cache import cache

    cache.clear()  # the white-list page caches its total for a minute
    yield
    cache.clear()


@pytest.fixture
def regulator() -> Any:
    divisions()
    return RegulatorFactory(username="lt_lists")


def test_whitelist_rules(regulator: Any) -> None:
    good = make_institution(name="合规机构")
    unlicensed = make_institution(name="无证机构", licence_no=None, status=InstitutionStatus.APPLYING)
    expired = make_institution(name="过期机构", licence_expires_on=TODAY - datetime.timedelta(days=1))
    suspended = make_institution(name="停招机构", status=InstitutionStatus.SUSPENDED)
    listed = make_institution(name="黑名单机构")
    blacklist(listed, regulator)
    ended = make_institution(name="已移出黑名单机构")
    blacklist(ended, regulator, start=TODAY - datetime.timedelta(days=400), end=TODAY - datetime.timedelta(days=1))
    zombie = make_institution(name="僵尸机构", licence_issued_on=datetime.date(TODAY.year - 5, 3, 1), inspected=False)
    AnnualInspection.objects.create(
        institution=zombie,
        year=TODAY.year - 3,
        result=InspectionResult.PASSED,
        inspected_on=TODAY,
        division_code="410202",
    )
    inspected = make_institution(
        name="按时年检机构", licence_issued_on=datetime.date(TODAY.year - 5, 3, 1), inspected=False
    )
    AnnualInspection.objects.create(
        institution=inspected,
        year=TODAY.year - 1,
        result=InspectionResult.PASSED,
        inspected_on=TODAY,
        division_code="410202",
    )
    failed = make_institution(name="年检不合格机构", inspected=False)
    AnnualInspection.objects.create(
        institution=failed,
        year=TODAY.year - 1,
        result=InspectionResult.FAILED,
        inspected_on=TODAY,
        division_code="410202",
    )
    names = set(whitelist_queryset().values_list("name", flat=True))
    assert names == {"合规机构", "已移出黑名单机构", "按时年检机构"}
    # The one-institution check agrees with the query and says why.
    for inst in (good, unlicensed, expired, suspended, listed, ended, zombie, inspected, failed):
        assert list_status(inst).on_whitelist == (inst.name in names), inst.name
    assert "列入黑名单" in list_status(listed).reasons
    assert "连续两年未年检" in list_status(zombie).reasons
    assert "未持有有效的办学许可证" in list_status(expired).reasons
    assert "最近一次年检未合格或尚未年检" in list_status(failed).reasons


def test_staff_list_pages_are_scoped_and_export(client: Any, regulator: Any) -> None:
    make_institution(name="龙亭区合规机构")
    make_institution(name="祥符区合规机构", division_code="410212")
    listed = make_institution(name="龙亭区黑名单机构")
    blacklist(listed, regulator)
    client.force_login(regulator)
    page = client.get(reverse("registry:whitelist")).content.decode()
    assert "龙亭区合规机构" in page and "祥符区合规机构" not in page and "龙亭区黑名单机构" not in page
    page = client.get(reverse("registry:blacklist")).content.decode()
    assert "龙亭区黑名单机构" in page and "无证办学" in page
    rows = read_xlsx(body(export_download(client, reverse("registry:whitelist_export"))))
    assert [r[1] for r in rows[1:]] == ["龙亭区合规机构"]
    rows = read_xlsx(body(export_download(client, reverse("registry:blacklist_export"))))
    assert rows[1][1] == "龙亭区黑名单机构" and rows[1][3] == "无证办学，拒不整改"
    client.force_login(UserFactory(username="someone"))
    assert client.get(reverse("registry:whitelist")).status_code == 404


def test_whitelist_page_query_count_does_not_grow(
    client: Any, regulator: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        make_institution()
    client.force_login(regulator)
    # One more than the single-statement page: the rows come from a walk of candidate ids, then the list's
    # conditions for that chunk (WhitelistRows), so the page's cost stays flat as the register grows.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("registry:whitelist")).status_code == 200


def test_whitelist_page_walks_in_chunks_and_shows_the_same_rows(client: Any, regulator: Any, monkeypatch: Any) -> None:
    """The page reads candidates a chunk at a time (WhitelistRows): every page shows exactly the rows the list's
    own query gives for it, in its order, across chunks with non-listed institutions in between."""
    from shuangjian.registry import lists as lists_module

    monkeypatch.setattr(lists_module.WhitelistRows, "FIRST_CHUNK", 3)
    for n in range(80):
        make_institution(name=f"分块机构{n:02d}", inspected=n % 3 != 0)  # one in three not inspected: not listed
    expected = [i.name for i in lists_module.whitelist_for_user(user=regulator)]
    assert len(expected) == 53
    client.force_login(regulator)
    shown = []
    for page in (1, 2):
        text = client.get(reverse("registry:whitelist") + f"?page={page}").content.decode()
        shown += [name for name in expected if f"<td>{name}</td>" in text]
        assert "共 53 家" in text
    assert shown == expected
    rows = lists_module.whitelist_rows_for_user(user=regulator, q="分块机构1")
    assert [i.name for i in rows[0:50]] == [n for n in expected if n.startswith("分块机构1")]
    assert rows[5:5] == [] and [i.name for i in rows[53:60]] == []


def test_whitelist_total_past_its_cap_is_counted_by_a_job_and_the_capped_count_walks_like_a_page(
    client: Any, regulator: Any, monkeypatch: Any
) -> None:
    """Past WHITELIST_COUNT_CAP the header says "超过 N 家" (a province's count stops at the cap); the exact total
    is a job for the list's filters; under the cap the page's own count is exact. The capped count equals the
    list's real count at every cap, across the page walk's chunks."""
    from shuangjian.core.tests.export_helpers import start_count
    from shuangjian.registry import lists as lists_module
    from shuangjian.registry.views import lists as list_views

    monkeypatch.setattr(lists_module.WhitelistRows, "FIRST_CHUNK", 4)
    for n in range(80):
        make_institution(name=f"计数机构{n:02d}", inspected=n % 4 != 0)  # one in four not inspected: not listed
    rows = lists_module.whitelist_rows_for_user(user=regulator)
    for limit in (1, 7, 59, 60, 61, 200):
        assert rows.count_up_to(limit) == min(limit, 60) == min(limit, rows.count())
    monkeypatch.setattr(list_views, "WHITELIST_COUNT_CAP", 10)
    client.force_login(regulator)
    url = reverse("registry:whitelist")
    text = client.get(url).content.decode()
    assert "超过 50 家" in text and "统计准确总数" in text and "共 60 家" not in text  # page 1 counts 50 + 1
    job = start_count(client, url, {"q": "计数机构1", "division": ""})
    assert job.params == {"q": "计数机构1"} and job.result["data"]["count"] == 8
    assert "共 8 家" not in client.get(url).content.decode()  # another filter's figure is not this list's
    assert start_count(client, url).result["data"]["count"] == 60
    text = client.get(url).content.decode()
    assert "共 60 家" in text and "准确总数，统计于" in text
    # Filtered under the cap: the page counts itself, no job offered.
    text = client.get(url, {"q": "计数机构1"}).content.decode()
    assert "共 8 家" in text and "统计准确总数" not in text


def test_publication_snapshots_both_lists_once_a_year(client: Any, regulator: Any) -> None:
    good = make_institution(name="发布时合规")
    listed = make_institution(name="发布时黑名单")
    blacklist(listed, regulator)
    make_institution(name="其他县机构", division_code="410212")
    client.force_login(regulator)
    response = client.post(reverse("registry:publish"), {"year": TODAY.year, "division_code": "410202", "note": ""})
    assert response.status_code == 302
    rows = ListPublicationRow.objects.all()
    assert {(r.kind, r.name) for r in rows} == {(ListKind.WHITE, "发布时合规"), (ListKind.BLACK, "发布时黑名单")}
    black = rows.get(kind=ListKind.BLACK)
    assert (
        black.reason == "无证办学，拒不整改"
        and black.legal_basis.startswith("《校外培训")
        and black.listed_by == "教育"
    )
    assert AuditEvent.objects.filter(action="registry.list_publish").count() == 1
    # Later changes do not rewrite the snapshot.
    good.name = "改名后的机构"
    good.save()
    assert ListPublicationRow.objects.get(kind=ListKind.WHITE).name == "发布时合规"
    # The publication page and its Excel.
    pub = rows[0].publication
    page = client.get(reverse("registry:publication_detail", args=[pub.pk]) + "?kind=black").content.decode()
    assert "发布时黑名单" in page
    sheet = read_xlsx(body(export_download(client, reverse("registry:publication_export", args=[pub.pk, "white"]))))
    assert sheet[1][1] == "发布时合规"
    # A second publication of the same year and area is refused with a clear message.
    response = client.post(reverse("registry:publish"), {"year": TODAY.year, "division_code": "410202", "note": ""})
    assert response.status_code == 422 and "不能重复发布" in response.content.decode()


def test_publication_scope_and_department(regulator: Any) -> None:
    with pytest.raises(ValidationError, match="管辖范围"):
        list_publish(actor=regulator, year=TODAY.year, division_code="410212")
    with pytest.raises(ValidationError, match="市或县"):
        list_publish(actor=regulator, year=TODAY.year, division_code="41020200")
    sports: Any = RegulatorFactory(username="lt_sports_pub", department=Department.SPORTS)
    with pytest.raises(ValidationError, match="教育行政部门"):
        list_publish(actor=sports, year=TODAY.year, division_code="410202")
    city: Any = RegulatorFactory(username="kf_pub", scope_code="4102")
    make_institution(name="龙亭")
    make_institution(name="祥符", division_code="410212")
    pub = list_publish(actor=city, year=TODAY.year, division_code="4102")
    assert pub.whitelist_count == 2 and pub.division_name == "开封市"
