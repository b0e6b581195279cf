"""Penalty-case API: list, get and move cases along the procedure table (OpenAPI under enforcement)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError
from shuangjian.core.permissions import api_permission
from shuangjian.core.scope import code_prefix_q

from . import case_workflow
from . import cases as case_services
from . import selectors as enforcement_selectors
from .models import PenaltyCase

router = Router(tags=["enforcement"])
CASE_PAGE_SIZE = 50


class CaseOut(Schema):
    id: int
    filing_no: str
    subject_kind: str
    subject_name: str
    division_code: str
    stage: str
    violation: str
    filed_on: datetime.date
    decide_by: datetime.date | None = None
    notified_on: datetime.date | None = None
    decided_on: datetime.date | None = None
    served_on: datetime.date | None = None
    paid_on: datetime.date | None = None
    measures: list[str]
    fine_fen: int
    surcharge_fen: int
    hearing_right: bool
    published_on: datetime.date | None = None
    actions: list[str] = []


class CasePage(Schema):
    count: int
    page: int
    pages: int
    results: list[CaseOut]


class CaseTransitionIn(Schema):
    action: str
    reason: str = ""
    on: datetime.date | None = None


def _case_out(case: PenaltyCase, user: Any) -> dict[str, Any]:
    out = {f: getattr(case, f) for f in CaseOut.model_fields if f not in ("id", "actions")}
    out["id"] = case.pk
    out["actions"] = [t.action for t in case_workflow.actions_for(case, user)]
    return out


def _case_readers(request: HttpRequest) -> Any:
    return request_user(request)


def _case(user: Any, pk: int) -> PenaltyCase:
    case = enforcement_selectors.cases_for_user(user).filter(pk=pk).first() if 0 < pk < 2**31 else None
    if case is None:
        raise ApiError(404, "未找到", "not_found")
    return case


@router.get("/cases", response=CasePage, auth=session_or_token, summary="行政处罚案件（按管辖范围）")
@api_permission("enforcement.open_case")
def case_list(request: HttpRequest, stage: str = "", county: str = "", overdue: bool = False, page: int = 1) -> Any:
    user = _case_readers(request)
    qs = enforcement_selectors.cases_for_user(user)
    if stage:
        qs = qs.filter(stage=stage)
    if county:
        qs = qs.filter(code_prefix_q("division_code", county))
    if overdue:
        qs = qs.filter(enforcement_selectors.cases_overdue_q(timezone.localdate()))
    paginator = Paginator(qs.order_by("-filed_on", "-pk"), CASE_PAGE_SIZE)
    if page < 1 or (page > paginator.num_pages and page != 1):
        raise ApiError(422, "页码超出范围", "validation_error")
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_case_out(c, user) for c in current],
    }


@router.get("/cases/{pk}", response=CaseOut, auth=session_or_token, summary="行政处罚案件详情")
@api_permission("enforcement.open_case")
def case_detail(request: HttpRequest, pk: int) -> Any:
    user = _case_readers(request)
    return _case_out(_case(user, pk), user)


@router.post("/cases/{pk}/transition", response=CaseOut, auth=session_or_token, summary="案件流转（按程序表）")
@api_permission("enforcement.open_case")
def case_transition(request: HttpRequest, pk: int, payload: CaseTransitionIn) -> Any:
    user = _case_readers(request)
    case = case_services.case_transition(
        actor=user, case=_case(user, pk), action=payload.action, reason=payload.reason, on=payload.on
    )
    return _case_out(case, user)
