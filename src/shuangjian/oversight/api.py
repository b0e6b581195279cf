"""The oversight API: supervision orders (list, get, the county's reply with evidence, the higher level's
decision), county evaluation (periods and the ranked table with each indicator's figure) and published bulletins
(list, get with their stored figures, typical cases and charts).

Every read goes through the scoped selectors: a county sees its own orders, scores and bulletins, a city those of
its counties; anything else is a 404. Refusals are ``{"detail", "code"}`` with the service's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, Router
from ninja.files import UploadedFile

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError, django_validation_detail
from shuangjian.core.models import User
from shuangjian.core.permissions import api_permission

from . import bulletins as bulletin_selectors
from . import evaluation, orders
from . import indicators as ind
from .bulletin_charts import bulletin_charts
from .models import Bulletin, BulletinStatus, EvaluationPeriod, SupervisionOrder
from .schemas import (
    BulletinDetailOut,
    BulletinPage,
    EvaluationPeriodOut,
    EvaluationTableOut,
    SupervisionOrderDecisionIn,
    SupervisionOrderOut,
    SupervisionOrderPage,
)

router = Router(tags=["oversight"])
PAGE_SIZE = 50
MAX_PK = 2**31 - 1

T = TypeVar("T")


def _refusal(call: Callable[[], T]) -> T:
    """Run a service; its refusal becomes a 422 carrying the service's code (``invalid_transition``, …)."""
    try:
        return call()
    except ValidationError as exc:
        raise ApiError(422, django_validation_detail(exc), exc.code or "validation_error") from exc


def _page(qs: Any, page: int) -> tuple[Paginator[Any], Any]:
    paginator = Paginator(qs, PAGE_SIZE)
    if page < 1 or (page > paginator.num_pages and page != 1):
        raise ApiError(422, "页码超出范围", "validation_error")
    return paginator, paginator.get_page(page)


def _pk(pk: int) -> int:
    if not 0 < pk <= MAX_PK:
        raise Http404
    return pk


# --- supervision orders ------------------------------------------------------------------------------------------


def _order_out(order: SupervisionOrder, user: User) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "kind": order.kind,
        "status": order.status,
        "issuer_code": order.issuer_code,
        "division_code": order.division_code,
        "title": order.title,
        "requirements": order.requirements,
        "deadline": order.deadline,
        "issued_on": order.issued_on,
        "institution_id": order.institution_id,
        "inspection_id": order.inspection_id,
        "notice_id": order.notice_id,
        "reply_text": order.reply_text,
        "has_reply_file": bool(order.reply_file),
        "replied_at": order.replied_at,
        "decision_note": order.decision_note,
        "decided_at": order.decided_at,
        "overdue": orders.is_overdue(order),
        "overdue_since": order.overdue_since,
        "escalations": order.escalations,
        "actions": [t.action for t in orders.actions_for(user, order)],
    }


@router.get(
    "/orders", response=SupervisionOrderPage, auth=session_or_token, summary="督办单（县区看本县区，市看所辖县区）"
)
@api_permission("oversight.view_orders")
def order_list(request: HttpRequest, status: str = "", county: str = "", overdue: bool = False, page: int = 1) -> Any:
    user = request_user(request)
    qs = orders.orders_for_user(user)
    if status:
        qs = qs.filter(status=status)
    if county:
        qs = qs.filter(division_code__startswith=county)
    if overdue:
        qs = qs.filter(status__in=orders.OPEN, deadline__lt=timezone.localdate())
    paginator, current = _page(qs.order_by("-issued_on", "-pk"), page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_order_out(o, user) for o in current],
    }


@router.get("/orders/{pk}", response=SupervisionOrderOut, auth=session_or_token, summary="督办单详情")
@api_permission("oversight.view_orders")
def order_detail(request: HttpRequest, pk: int) -> Any:
    user = request_user(request)
    return _order_out(orders.order_for_user(user, _pk(pk)), user)


@router.post(
    "/orders/{pk}/reply",
    response=SupervisionOrderOut,
    auth=session_or_token,
    summary="被督办县区回复办理情况（multipart：text 办理情况，file 可选佐证材料 pdf/docx/xlsx/jpeg/png，≤20 MB）",
)
@api_permission("oversight.view_orders")
def order_reply(request: HttpRequest, pk: int, text: Form[str], file: File[UploadedFile | None] = None) -> Any:
    user = request_user(request)
    order = orders.order_for_user(user, _pk(pk))
    order = _refusal(lambda: orders.order_reply(actor=user, order=order, text=text, file=file))
    return _order_out(order, user)


@router.post(
    "/orders/{pk}/decide", response=SupervisionOrderOut, auth=session_or_token, summary="督办单位审核办结或退回重办"
)
@api_permission("oversight.view_orders")
def order_decide(request: HttpRequest, pk: int, payload: SupervisionOrderDecisionIn) -> Any:
    user = request_user(request)
    order = orders.order_for_user(user, _pk(pk))
    order = _refusal(lambda: orders.order_decide(actor=user, order=order, action=payload.action, note=payload.note))
    return _order_out(order, user)


# --- county evaluation -------------------------------------------------------------------------------------------


def _period_out(p: EvaluationPeriod) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "starts_on": p.starts_on, "ends_on": p.ends_on, "computed_at": p.computed_at}


@router.get(
    "/evaluation/periods", response=list[EvaluationPeriodOut], auth=session_or_token, summary="一体评价的评价期"
)
@api_permission("oversight.view_evaluation")
def period_list(request: HttpRequest) -> Any:
    return [_period_out(p) for p in evaluation.periods_for_user(request_user(request)).order_by("-ends_on", "-pk")]


@router.get(
    "/evaluation/periods/{pk}",
    response=EvaluationTableOut,
    auth=session_or_token,
    summary="评价期排名表：管辖范围内各县区的综合得分和每项指标的分子、分母、百分比",
)
@api_permission("oversight.view_evaluation")
def period_table(request: HttpRequest, pk: int) -> Any:
    user = request_user(request)
    period = evaluation.period_for_user(user, _pk(pk))
    weights = ind.weights()
    items = ind.indicators()
    return {
        "period": _period_out(period),
        "indicators": [
            {
                "key": i.key,
                "label": str(i.label),
                "numerator_label": str(i.numerator_label),
                "denominator_label": str(i.denominator_label),
                "weight": weights.get(i.key, 0.0),
                "threshold": ind.threshold(i.key),
                "method": i.method,
            }
            for i in items
        ],
        "counties": [
            {
                "rank": row.rank,
                "division_code": row.code,
                "name": row.name,
                "total": row.total,
                "scores": [
                    {
                        "indicator": i.key,
                        "numerator": row.scores[i.key].numerator,
                        "denominator": row.scores[i.key].denominator,
                        "percent": row.scores[i.key].percent,
                        "below_threshold": i.key in row.below,
                    }
                    for i in items
                    if i.key in row.scores
                ],
            }
            for row in evaluation.ranked_table(user, period)
        ],
    }


# --- published bulletins -----------------------------------------------------------------------------------------


def _bulletin_out(b: Bulletin) -> dict[str, Any]:
    return {
        "id": b.pk,
        "series": b.series,
        "number": b.number,
        "title": b.title,
        "issuer_name": b.issuer_name,
        "division_code": b.division_code,
        "period_start": b.period_start,
        "period_end": b.period_end,
        "published_on": b.published_on,
        "revision": b.revision,
    }


def _published_for(user: User) -> Any:
    return bulletin_selectors.bulletins_for_user(user, status=BulletinStatus.PUBLISHED)


@router.get("/bulletins", response=BulletinPage, auth=session_or_token, summary="已发布的工作简报（按管辖范围）")
@api_permission("oversight.view_bulletins")
def bulletin_list(request: HttpRequest, series: str = "", page: int = 1) -> Any:
    qs = _published_for(request_user(request))
    if series:
        qs = qs.filter(series=series)
    paginator, current = _page(qs, page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_bulletin_out(b) for b in current],
    }


@router.get(
    "/bulletins/{pk}",
    response=BulletinDetailOut,
    auth=session_or_token,
    summary="已发布的工作简报：正文、每项数据及其查询、典型案例和图表数据",
)
@api_permission("oversight.view_bulletins")
def bulletin_detail(request: HttpRequest, pk: int) -> Any:
    b = _published_for(request_user(request)).filter(pk=_pk(pk)).first()
    if b is None:
        raise Http404
    figs = bulletin_selectors.figures_of(b.figures)
    return {
        **_bulletin_out(b),
        "overview_text": b.overview_text,
        "counties_text": b.counties_text,
        "cases_text": b.cases_text,
        "typical_cases": figs.get("typical_cases") or [],
        "charts": [{**c.as_json(), "number": n} for n, c in enumerate(bulletin_charts(figs), 1)],
        "figures": b.figures,
    }
