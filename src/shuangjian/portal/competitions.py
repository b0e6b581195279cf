"""Is this competition on the list? The public page and API a parent holding a flyer asks (no sign-in).

By filing number (typed as printed: spaces, dashes, full-width characters and case do not matter) or by a
fragment of the competition's name; only published filings count as on the list. Rate-limited per IP like the
institution query (``SHUANGJIAN_PUBLIC_RATE_LIMIT``).
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from ninja import Router

from shuangjian.competitions import selectors
from shuangjian.core.api_errors import ApiError, ErrorOut, InvalidOut

from .api import json_bytes, rate_limited
from .competition_schemas import PublicCompetitionLookupOut
from .ratelimit import check_rate
from .views import rate_limited_page

router = Router(tags=["portal"])


def answer_text(lookup: selectors.PublicLookup) -> str:
    if lookup.on_list:
        return _("在公布名单上：该竞赛活动已经教育行政部门备案。")
    if lookup.results:
        return _("不在公布名单上：该备案已撤销或已到期，请勿参加。")
    return _("不在公布名单上：没有找到该竞赛活动。")


def hint_text() -> str:
    return _(
        "未列入公布名单的竞赛活动不得面向中小学生举办，也不得收费。请核对宣传单上的备案编号；"
        "如发现未备案竞赛，可通过本平台或当地教育部门举报电话举报。"
    )


def lookup_dict(lookup: selectors.PublicLookup) -> dict[str, object]:
    return {
        "query": lookup.query,
        "on_list": lookup.on_list,
        "answer": answer_text(lookup),
        "hint": "" if lookup.on_list else hint_text(),
        "results": [r.__dict__ for r in lookup.results],
    }


@router.get(
    "",
    auth=None,
    response={200: PublicCompetitionLookupOut, 422: InvalidOut, 429: ErrorOut},
    summary="这个竞赛在公布名单上吗？按备案编号或名称查询",
    url_name="public_competition_lookup",
)
def lookup(request: HttpRequest, q: str = "") -> object:
    """``q``: the filing number printed on the flyer (exact) or at least 2 characters of the competition's name.
    Up to 10 published competitions; a withdrawn or expired number is answered with ``listed`` false."""
    retry = check_rate(request)
    if retry is not None:
        return rate_limited(retry)
    text = selectors.normalise_public_query(q)
    if len(text) < selectors.PUBLIC_MIN_CHARS:
        raise ApiError(422, _("请输入备案编号或至少 2 个字的竞赛名称。"), "query_too_short")
    body = json.dumps(lookup_dict(selectors.public_lookup(text)), cls=DjangoJSONEncoder, ensure_ascii=False)
    return json_bytes(body.encode())


@require_GET
@rate_limited_page
def competition_lookup(request: HttpRequest) -> HttpResponse:
    q = selectors.normalise_public_query(request.GET.get("q", ""))
    too_short = 0 < len(q) < selectors.PUBLIC_MIN_CHARS
    lookup = selectors.public_lookup(q) if q and not too_short else None
    return render(
        request,
        "portal/competitions.html",
        {
            "q": q,
            "too_short": too_short,
            "lookup": lookup,
            "answer": answer_text(lookup) if lookup else "",
            "hint": hint_text(),
        },
    )
