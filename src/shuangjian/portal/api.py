"""Public, unauthenticated API under /api/v1/public/: is this institution licensed and supervised?

Search answers are cached for ``SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS`` (default 60 s: a list change shows
within a minute; popular queries cost one cache read). Rate-limited per IP (``SHUANGJIAN_PUBLIC_RATE_LIMIT``):
over the limit answers 429 ``{"detail", "code": "rate_limited"}`` with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router

from shuangjian.core.api_errors import ApiError, ErrorOut, InvalidOut

from . import content, selectors
from .models import Article, ArticleKind
from .ratelimit import check_rate
from .schemas import ArticleListOut, ArticleOut, PublicInstitutionDetailOut, PublicSearchOut

router = Router(tags=["portal"])


def json_bytes(body: bytes) -> HttpResponse:
    """The answer as already-serialised JSON.

    The public endpoints build their answers from the declared schemas' fields (the schemas document them in
    OpenAPI and the tests compare), but skip ninja's per-field response validation: on this hot path it cost
    more than the database lookup.
    """
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def search_cache_key(text: str) -> str:
    """The answer cache's key for a search of ``text``, already normalised (per language: the answer carries
    translated labels)."""
    return f"portal:search:{get_language()}:{hashlib.sha256(text.encode()).hexdigest()}"


def rate_limited(retry_after: int) -> JsonResponse:
    response = JsonResponse(
        {"detail": _("请求过于频繁，请 %(s)d 秒后再试。") % {"s": retry_after}, "code": "rate_limited"},
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(retry_after)
    return response


@router.get(
    "/institutions",
    auth=None,
    response={200: PublicSearchOut, 422: InvalidOut, 429: ErrorOut},
    summary="按名称、统一社会信用代码或许可证号查询机构",
    url_name="public_institution_search",
)
def search(request: HttpRequest, q: str = "") -> object:
    """Up to 10 matches (setting `PUBLIC_SEARCH_PAGE`); an exact USCC or licence number match alone. ``q`` needs at
    least 2 characters.

    Names starting with ``q`` come first, then names containing it, each in name order. ``total`` says how many
    match in all (counted up to 20) and ``more`` whether there are more than are listed: past 20 matches ``total``
    is null and the institutions listed are taken from the first matches found, so refine the query.
    """
    text = selectors.normalise_query(q)
    if len(text) < selectors.SEARCH_MIN_CHARS:
        retry = check_rate(request)
        if retry is not None:
            return rate_limited(retry)
        raise ApiError(422, _("请输入至少 2 个字符（机构名称、统一社会信用代码或办学许可证号）。"), "query_too_short")
    return search_response(request, text)


def search_response(request: HttpRequest, text: str) -> HttpResponse:
    """The answer to a search of ``text`` (normalised, long enough): per-IP rate limit, answer cache, answer.

    Shared by the API handler and ``PublicSearchMiddleware``, which calls it before the rest of the stack.
    """
    retry = check_rate(request)
    if retry is not None:
        return rate_limited(retry)
    seconds = int(getattr(settings, "SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS", 60))
    if seconds <= 0:  # no answer cache: no key to hash, no cache to ask
        return json_bytes(selectors.search_answer(text))
    key = search_cache_key(text)
    cached = cache.get(key)
    if cached is not None:
        return json_bytes(cached)
    body = selectors.search_answer(text)
    cache.set(key, body, seconds)
    return json_bytes(body)


@router.get(
    "/institutions/{uscc}",
    auth=None,
    response={200: PublicInstitutionDetailOut, 404: ErrorOut, 429: ErrorOut},
    summary="按统一社会信用代码查看机构公开信息",
)
def detail(request: HttpRequest, uscc: str) -> object:
    retry = check_rate(request)
    if retry is not None:
        return rate_limited(retry)
    inst = selectors.institution_by_uscc(uscc)
    profile = selectors.profile_dict(selectors.public_profile(inst))
    return json_bytes(json.dumps(profile, cls=DjangoJSONEncoder, ensure_ascii=False).encode())


# --- announcements, policies, news, bulletins ------------------------------------------------------------------


def _article_summary(item: Article, names: dict[str, str]) -> dict[str, object]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "title": item.title,
        "summary": item.summary,
        "source": item.source,
        "document_number": item.document_number,
        "division_code": item.division_code,
        "division_name": names.get(item.division_code, ""),
        "published_on": item.published_on,
        "url": reverse("portal:article", args=[item.pk]),
    }


@router.get(
    "/articles",
    auth=None,
    response={200: ArticleListOut, 422: ErrorOut, 429: ErrorOut},
    summary="门户公告、政策法规、双减进行时、工作简报列表",
)
def article_list(request: HttpRequest, kind: str = "", county: str = "", page: int = 1) -> object:
    """Published items, newest first, ``PORTAL_PAGE_SIZE`` (default 20) a page. ``county``: a county code; the
    answer then holds that county's items and those of the city and province above it."""
    retry = check_rate(request)
    if retry is not None:
        return rate_limited(retry)
    if kind and kind not in ArticleKind.values:
        raise ApiError(422, _("栏目只能是 notice、policy、news 或 bulletin。"), "unknown_kind")
    code = content.public_county(county)
    if county and not code:
        raise ApiError(422, _("县区代码不存在。"), "unknown_county")
    paginator = Paginator(content.public_articles(county=code, kind=kind), int(settings.PORTAL_PAGE_SIZE))
    current = paginator.get_page(page)
    items = list(current.object_list)
    names = content.division_names({a.division_code for a in items})
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_article_summary(a, names) for a in items],
    }


@router.get(
    "/articles/{article_id}",
    auth=None,
    response={200: ArticleOut, 404: ErrorOut, 429: ErrorOut},
    summary="门户文章正文和附件",
)
def article_detail(request: HttpRequest, article_id: int) -> object:
    retry = check_rate(request)
    if retry is not None:
        return rate_limited(retry)
    item = content.public_article_or_404(article_id)
    names = content.division_names({item.division_code})
    return {
        **_article_summary(item, names),
        "body_html": item.body,
        "attachments": [
            {
                "name": f.name,
                "kind": f.kind,
                "size": f.size,
                "sha256": f.sha256,
                "url": reverse("portal:article_attachment", args=[item.pk, f.pk]),
            }
            for f in item.attachments.all()
        ],
    }
