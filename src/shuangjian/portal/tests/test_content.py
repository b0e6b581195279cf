"""The portal's content: sanitised bodies, checked attachments, publishing, county scoping for the public and
for regulators, the home page's sections and the public JSON API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.core.models import AuditEvent, Department, Role, User
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory, UserFactory
from shuangjian.portal import services
from shuangjian.portal.models import Article, ArticleKind, Attachment, ReportContact
from shuangjian.portal.sanitize import clean_html
from shuangjian.portal.tests.factories import ArticleFactory, ReportContactFactory
from shuangjian.registry.tests.helpers import divisions

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


# --- the sanitiser ---------------------------------------------------------------------------------------------


def test_sanitiser_removes_scripts_handlers_styles_and_javascript_links() -> None:
    dirty = (
        '<p style="color:red" onclick="steal()">你好<script>alert(1)</script></p>'
        '<img src="x" onerror="alert(1)">'
        '<a href="javascript:alert(1)">点我</a>'
        '<a href="JaVaScRiPt:alert(1)">再点</a>'
        "<style>body{display:none}</style>"
        '<iframe src="https://evil.example"></iframe>'
        "<svg onload=alert(1)></svg>"
    )
    clean = clean_html(dirty)
    lowered = clean.lower()
    for bad in ("<script", "alert(1)", "onclick", "onerror", "style", "javascript:", "<img", "<iframe", "<svg"):
        assert bad not in lowered, (bad, clean)
    assert "你好" in clean and "点我" in clean


def test_sanitiser_keeps_the_allowed_formatting() -> None:
    kept = (
        "<h3>小标题</h3><p><strong>加粗</strong> <em>斜体</em> <u>下划线</u></p>"
        "<ul><li>一</li></ul><ol><li>二</li></ol><blockquote>引文</blockquote>"
        '<table><tbody><tr><td colspan="2">表格</td></tr></tbody></table>'
        '<p><a href="https://jyj.kaifeng.gov.cn/" title="官网">链接</a> <a href="mailto:a@b.cn">邮件</a></p>'
    )
    clean = clean_html(kept)
    for part in (
        "<h3>小标题</h3>",
        "<strong>加粗</strong>",
        "<em>斜体</em>",
        "<u>下划线</u>",
        "<ul><li>一</li></ul>",
        "<ol><li>二</li></ol>",
        "<blockquote>引文</blockquote>",
        '<td colspan="2">表格</td>',
        'href="https://jyj.kaifeng.gov.cn/"',
        'href="mailto:a@b.cn"',
        'rel="noopener noreferrer nofollow"',
    ):
        assert part in clean, (part, clean)


def test_plain_text_becomes_paragraphs_and_is_escaped() -> None:
    assert clean_html("第一段\n第二行\n\n第二段 1 < 2") == "<p>第一段<br>第二行</p><p>第二段 1 &lt; 2</p>"
    assert clean_html("家长 & 学生") == "<p>家长 &amp; 学生</p>"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;abcpsrtionlk:jv1段\n")), max_size=80))
def test_sanitising_twice_changes_nothing(text: str) -> None:
    """Stored bodies are clean; an edit saved unchanged must store the same text."""
    once = clean_html(text)
    assert clean_html(once) == once
    assert "<script" not in once.lower()


# --- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture
def people(db: Any) -> dict[str, User]:
    divisions()
    return {
        "lt": RegulatorFactory.create(username="lt_edu_t", scope_code="410202"),
        "xf": RegulatorFactory.create(username="xf_edu_t", scope_code="410212"),
        "city": RegulatorFactory.create(username="kf_edu_t", scope_code="4102"),
        "sports": RegulatorFactory.create(username="lt_sports_t", scope_code="410202", department=Department.SPORTS),
        "inspector": UserFactory.create(username="lt_insp_t", role=Role.INSPECTOR, scope_code="410202"),
        "admin": PlatformAdminFactory.create(username="admin_t"),
    }


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def docx_bytes() -> bytes:
    from shuangjian.core import docx

    doc = docx.official_document()
    docx.add_paragraphs(doc, ["申报表"])
    return docx.to_bytes(doc)


# --- writing ---------------------------------------------------------------------------------------------------


def test_regulator_writes_for_own_division_sanitised_and_audited(people: dict[str, User]) -> None:
    article = services.article_create(
        actor=people["lt"],
        kind=ArticleKind.NOTICE,
        title="  关于  暑期培训的提醒 ",
        body='<p onclick="x()">内容</p><script>alert(1)</script>',
    )
    article.refresh_from_db()
    assert article.division_code == "410202"
    assert article.title == "关于 暑期培训的提醒"
    assert article.body == "<p>内容</p>"
    assert not article.is_published
    assert AuditEvent.objects.filter(action="portal_article.create", object_id=str(article.pk)).exists()


def test_bad_input_is_refused_with_field_errors_and_nothing_stored(people: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as caught:
        services.article_create(actor=people["lt"], kind="gossip", title="", body="x" * 100_001)
    assert set(caught.value.message_dict) == {"kind", "title", "body"}
    assert Article.objects.count() == 0


def test_other_departments_and_inspectors_may_not_write(people: dict[str, User]) -> None:
    for who in ("sports", "inspector"):
        assert client_for(people[who]).get(reverse("content:article_list")).status_code == 404
        with pytest.raises(Exception):  # noqa: B017  (Http404 from require)
            services.article_create(actor=people[who], kind=ArticleKind.NOTICE, title="x", body="")
    assert Article.objects.count() == 0


def test_create_page_stores_a_clean_draft(people: dict[str, User]) -> None:
    c = client_for(people["lt"])
    response = c.post(
        reverse("content:article_create"),
        {"kind": "policy", "title": "龙亭区实施细则", "body": "<p>正文</p><script>x</script>", "published_on": ""},
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("content:article_detail", args=[article.pk])
    assert article.body == "<p>正文</p>" and article.kind == ArticleKind.POLICY
    # A bad form stays on the page with the message beside the field.
    again = c.post(reverse("content:article_create"), {"kind": "policy", "title": "", "body": ""})
    assert again.status_code == 200 and "这个字段是必填项" in again.content.decode()
    assert Article.objects.count() == 1


def test_publish_unpublish_delete_through_the_pages(people: dict[str, User]) -> None:
    article = ArticleFactory.draft(created_by=people["lt"])
    public = Client()
    c = client_for(people["lt"])
    assert public.get(reverse("portal:article", args=[article.pk])).status_code == 404
    c.post(reverse("content:article_publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.is_published and article.published_on == timezone.localdate()
    assert public.get(reverse("portal:article", args=[article.pk])).status_code == 200
    c.post(reverse("content:article_unpublish", args=[article.pk]))
    assert public.get(reverse("portal:article", args=[article.pk])).status_code == 404
    # A stray empty POST deletes nothing; the confirmed form does.
    assert c.post(reverse("content:article_delete", args=[article.pk])).status_code == 400
    assert Article.objects.filter(pk=article.pk).exists()
    assert c.post(reverse("content:article_delete", args=[article.pk]), {"confirm": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(article.pk)).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["portal_article.publish", "portal_article.unpublish", "portal_article.delete"]


# --- attachments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("图.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("页面.html", b"<html><script>alert(1)</script></html>"),
        ("通知.pdf", b"MZ\x90\x00 not a pdf"),  # an executable under a harmless name
        ("通知.png", PDF),  # content and name disagree
        ("空.pdf", b""),
    ],
)
def test_attachments_of_other_kinds_are_refused(people: dict[str, User], name: str, data: bytes) -> None:
    article = ArticleFactory.create(created_by=people["lt"])
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(actor=people["lt"], article=article, file=upload(name, data))
    assert "file" in caught.value.message_dict
    assert Attachment.objects.count() == 0


def test_refused_attachment_shows_a_chinese_error_on_the_page(people: dict[str, User]) -> None:
    article = ArticleFactory.create(created_by=people["lt"])
    response = client_for(people["lt"]).post(
        reverse("content:attachment_add", args=[article.pk]), {"file": upload("a.svg", b"<svg/>")}
    )
    assert response.status_code == 400
    assert "格式不受理" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_allowed_attachments_are_served_as_downloads_to_the_public(people: dict[str, User]) -> None:
    article = ArticleFactory.create(created_by=people["lt"])
    pdf = services.attachment_add(actor=people["lt"], article=article, file=upload("通知.pdf", PDF))
    services.attachment_add(actor=people["lt"], article=article, file=upload("申报表.docx", docx_bytes()))
    services.attachment_add(actor=people["lt"], article=article, file=upload("照片.png", PNG))
    assert sorted(Attachment.objects.values_list("kind", flat=True)) == ["docx", "pdf", "png"]
    response = Client().get(reverse("portal:article_attachment", args=[article.pk, pdf.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    page = Client().get(reverse("portal:article", args=[article.pk])).content.decode()
    assert "通知.pdf" in page and "申报表.docx" in page
    # Once withdrawn, its files are gone from the public too (but the regulator still reaches them).
    services.article_unpublish(actor=people["lt"], article=article)
    assert Client().get(reverse("portal:article_attachment", args=[article.pk, pdf.pk])).status_code == 404
    assert client_for(people["lt"]).get(reverse("content:attachment_download", args=[pdf.pk])).status_code == 200
    assert client_for(people["xf"]).get(reverse("content:attachment_download", args=[pdf.pk])).status_code == 404


def test_attachment_count_is_limited(people: dict[str, User], settings: Any) -> None:
    settings.PORTAL_ATTACHMENTS_PER_ARTICLE = 1
    article = ArticleFactory.create(created_by=people["lt"])
    services.attachment_add(actor=people["lt"], article=article, file=upload("a.pdf", PDF))
    with pytest.raises(ValidationError):
        services.attachment_add(actor=people["lt"], article=article, file=upload("b.pdf", PDF))
    assert Attachment.objects.count() == 1


# --- the public: published only, by county ---------------------------------------------------------------------


def test_unpublished_and_not_yet_due_items_are_404_to_the_public(people: dict[str, User]) -> None:
    draft = ArticleFactory.draft(created_by=people["lt"], title="草稿标题")
    future = ArticleFactory.create(
        created_by=people["lt"], title="预定标题", published_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    c = Client()
    for item in (draft, future):
        assert c.get(reverse("portal:article", args=[item.pk])).status_code == 404
        assert c.get(f"/api/v1/public/articles/{item.pk}").status_code == 404
    listing = c.get(reverse("portal:article_section", args=["notice"])).content.decode()
    assert "草稿标题" not in listing and "预定标题" not in listing
    assert c.get("/api/v1/public/articles").json()["count"] == 0
    assert "草稿标题" not in c.get(reverse("portal:home")).content.decode()


def test_a_countys_public_sees_its_county_city_and_province_items(people: dict[str, User]) -> None:
    ArticleFactory.create(division_code="410202", title="龙亭区公告")
    ArticleFactory.create(division_code="410212", title="祥符区公告")
    ArticleFactory.create(division_code="4102", title="开封市公告")
    ArticleFactory.create(division_code="41", title="河南省公告")
    c = Client()
    page = c.get(reverse("portal:article_section", args=["notice"]), {"county": "410202"}).content.decode()
    assert "龙亭区公告" in page and "开封市公告" in page and "河南省公告" in page
    assert "祥符区公告" not in page
    home = c.get(reverse("portal:home"), {"county": "410212"}).content.decode()
    assert "祥符区公告" in home and "开封市公告" in home and "龙亭区公告" not in home
    api = c.get("/api/v1/public/articles", {"county": "410202"}).json()
    assert {r["title"] for r in api["results"]} == {"龙亭区公告", "开封市公告", "河南省公告"}
    # No county chosen: everything published.
    assert c.get("/api/v1/public/articles").json()["count"] == 4


def test_public_api_shapes_and_errors(people: dict[str, User]) -> None:
    article = ArticleFactory.create(kind=ArticleKind.POLICY, body="<p>正文</p>", title="政策")
    services.attachment_add(actor=people["lt"], article=article, file=upload("文件.pdf", PDF))
    c = Client()
    listing = c.get("/api/v1/public/articles", {"kind": "policy"}).json()
    assert listing["count"] == 1 and listing["page"] == 1 and listing["pages"] == 1
    summary = listing["results"][0]
    assert summary["kind_label"] == "政策法规" and summary["division_name"] == "龙亭区"
    assert "body_html" not in summary
    detail = c.get(f"/api/v1/public/articles/{article.pk}").json()
    assert detail["body_html"] == "<p>正文</p>"
    assert detail["attachments"][0]["name"] == "文件.pdf" and detail["attachments"][0]["kind"] == "pdf"
    assert c.get(detail["attachments"][0]["url"]).status_code == 200
    bad = c.get("/api/v1/public/articles", {"kind": "gossip"})
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_kind"
    bad = c.get("/api/v1/public/articles", {"county": "999999"})
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_county"
    assert c.get("/api/v1/public/articles/999999").status_code == 404
    assert c.get(reverse("portal:article_section", args=["gossip"])).status_code == 404


def test_section_pages_page_through_items(people: dict[str, User], settings: Any) -> None:
    settings.PORTAL_PAGE_SIZE = 2
    for n in range(5):
        ArticleFactory.create(kind=ArticleKind.NEWS, title=f"新闻{n}")
    c = Client()
    first = c.get(reverse("portal:article_section", args=["news"])).content.decode()
    assert first.count("新闻") >= 2 and 'data-testid="pagination"' in first
    assert c.get("/api/v1/public/articles", {"kind": "news", "page": "3"}).json()["results"][0]["title"] == "新闻0"


def test_stored_body_is_printed_without_anything_active(people: dict[str, User]) -> None:
    article = services.article_create(
        actor=people["lt"],
        kind=ArticleKind.NEWS,
        title="<script>alert(1)</script>标题",
        body='<p><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)></p>',
    )
    services.article_publish(actor=people["lt"], article=article)
    page = Client().get(reverse("portal:article", args=[article.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page and "onerror" not in page


# --- home page -------------------------------------------------------------------------------------------------


def test_home_has_every_section_with_empty_states_and_entry_slots(people: dict[str, User]) -> None:
    page = Client().get(reverse("portal:home")).content.decode()
    for title in ("公告通知", "政策法规", "双减进行时", "工作简报", "举报电话和邮箱"):
        assert title in page
    for kind in ArticleKind.values:
        assert f'data-section="{kind}"' in page
    assert page.count("暂无内容") == 4
    assert "暂未公布举报电话和邮箱" in page
    # Lower apps' pages not built yet are slots, the existing ones are links.
    assert 'href="/public/whitelist/"' in page and 'href="/public/blacklist/"' in page
    assert "即将开通" in page
    assert "这家校外培训机构有证吗" in page  # the institution query stays on the front page


def test_home_shows_the_countys_and_citys_report_contacts(people: dict[str, User]) -> None:
    ReportContactFactory.create(division_code="410202", hotline="0371-1111", email="lt@example.cn")
    ReportContactFactory.create(division_code="410212", hotline="0371-2222", email="xf@example.cn")
    ReportContactFactory.create(division_code="4102", hotline="0371-3333", email="kf@example.cn")
    page = Client().get(reverse("portal:home"), {"county": "410202"}).content.decode()
    assert "0371-1111" in page and "0371-3333" in page and "0371-2222" not in page
    everything = Client().get(reverse("portal:home")).content.decode()
    assert all(n in everything for n in ("0371-1111", "0371-2222", "0371-3333"))
    # An unknown county is no county.
    assert Client().get(reverse("portal:home"), {"county": "<x>"}).status_code == 200


# --- regulators: county scoping --------------------------------------------------------------------------------


def test_another_countys_regulator_gets_404_and_the_city_403_on_a_countys_item(people: dict[str, User]) -> None:
    article = ArticleFactory.create(created_by=people["lt"], division_code="410202")
    for name in ("content:article_detail", "content:article_edit"):
        assert client_for(people["xf"]).get(reverse(name, args=[article.pk])).status_code == 404
    for name in ("content:article_publish", "content:article_unpublish", "content:article_delete"):
        assert client_for(people["xf"]).post(reverse(name, args=[article.pk]), {"confirm": "yes"}).status_code == 404
    # The city reads its counties' items but writes only its own.
    city = client_for(people["city"])
    assert city.get(reverse("content:article_detail", args=[article.pk])).status_code == 200
    assert city.get(reverse("content:article_edit", args=[article.pk])).status_code == 403
    assert city.post(reverse("content:article_delete", args=[article.pk]), {"confirm": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk, is_published=True).exists()
    # Lists: the county sees its own, the city its own and its counties'.
    ArticleFactory.create(created_by=people["city"], division_code="4102", title="市级公告")
    lt_list = client_for(people["lt"]).get(reverse("content:article_list")).content.decode()
    assert article.title in lt_list and "市级公告" not in lt_list
    assert "市级公告" in city.get(reverse("content:article_list")).content.decode()
    assert article.title not in client_for(people["xf"]).get(reverse("content:article_list")).content.decode()


def test_platform_admin_writes_for_a_named_division(people: dict[str, User]) -> None:
    with pytest.raises(ValidationError):
        services.article_create(actor=people["admin"], kind=ArticleKind.POLICY, title="省级政策", body="")
    article = services.article_create(
        actor=people["admin"], kind=ArticleKind.POLICY, title="省级政策", body="", division_code="41"
    )
    assert article.division_code == "41"


def test_edit_changes_only_what_changed_and_audits_it(people: dict[str, User]) -> None:
    article = ArticleFactory.create(created_by=people["lt"], title="旧标题")
    services.article_update(actor=people["lt"], article=article, title="新标题")
    event = AuditEvent.objects.get(action="portal_article.update")
    assert event.before == {"title": "旧标题"} and event.after == {"title": "新标题"}
    services.article_update(actor=people["lt"], article=article, title="新标题")
    assert AuditEvent.objects.filter(action="portal_article.update").count() == 1


# --- report contacts -------------------------------------------------------------------------------------------


def test_county_regulator_edits_own_contacts_only(people: dict[str, User]) -> None:
    c = client_for(people["lt"])
    url = reverse("content:contact_edit", args=["410202"])
    response = c.post(url, {"hotline": "0371-2356 0000", "email": "lt@example.cn", "hours": "工作日", "address": ""})
    assert response.status_code == 302
    contact = ReportContact.objects.get(division_code="410202")
    assert contact.hotline == "0371-2356 0000"
    assert AuditEvent.objects.filter(action="portal_contact.update").count() == 1
    assert c.get(reverse("content:contact_edit", args=["410212"])).status_code == 404
    assert c.get(reverse("content:contact_edit", args=["4102"])).status_code == 404
    bad = c.post(url, {"hotline": "", "email": "not-an-email"})
    assert bad.status_code == 200 and ReportContact.objects.get(division_code="410202").email == "lt@example.cn"
    listing = client_for(people["city"]).get(reverse("content:contact_list")).content.decode()
    assert "龙亭区" in listing and "祥符区" in listing and "0371-2356 0000" in listing


def test_manage_pages_render(people: dict[str, User]) -> None:
    article = ArticleFactory.create(created_by=people["lt"])
    services.attachment_add(actor=people["lt"], article=article, file=upload("a.pdf", PDF))
    c = client_for(people["lt"])
    for url in (
        reverse("content:article_list"),
        reverse("content:article_list") + "?kind=notice&status=published",
        reverse("content:article_create"),
        reverse("content:article_detail", args=[article.pk]),
        reverse("content:article_edit", args=[article.pk]),
        reverse("content:contact_list"),
    ):
        assert c.get(url).status_code == 200, url
    admin = client_for(people["admin"])
    assert "发布区划代码" in admin.get(reverse("content:article_create")).content.decode()
    assert admin.get(reverse("content:contact_list")).status_code == 200


def test_wiring_a_service_is_naming_its_url(people: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> None:
    """A slot lights up as a link once its url_name resolves (here borrowed from an existing page)."""
    from shuangjian.portal import home

    wired = tuple(
        home.Entry(e.key, e.title, e.description, "portal:search" if e.key == "report" else e.url_name)
        for e in home.ENTRIES
    )
    monkeypatch.setattr(home, "ENTRIES", wired)
    page = Client().get(reverse("portal:home")).content.decode()
    assert 'href="/public/search/" data-entry="report"' in page
    assert 'btn-danger" href="/public/search/"' in page  # and in the report section
