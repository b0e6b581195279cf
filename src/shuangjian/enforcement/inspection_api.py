"""Inspection API: list, get and submit inspections (idempotent by client_uuid), notices and institutions' answers."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError, ErrorOut, InvalidOut
from shuangjian.core.permissions import api_permission
from shuangjian.core.scope import scope_queryset
from shuangjian.registry.models import Institution

from . import inspection_selectors as insp_sel
from . import inspections as insp_svc
from . import notices as notice_svc
from .models import Inspection, RectificationNotice
from .subjects import Subject

router = Router(tags=["enforcement"])


API_PAGE = 50
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: InvalidOut}


class ItemOut(Schema):
    code: str
    label: str
    result: str
    note: str
    waived: bool


class InspectionOut(Schema):
    id: int
    kind: str
    status: str
    subject_kind: str
    subject_name: str
    institution_id: int | None
    division_code: str
    planned_on: datetime.date | None
    completed_at: datetime.datetime | None
    follows_id: int | None
    client_uuid: uuid.UUID
    items: list[ItemOut]


class InspectionPage(Schema):
    count: int
    page: int
    pages: int
    results: list[InspectionOut]


class ItemIn(Schema):
    code: str
    result: str
    note: str = ""


class InspectionIn(Schema):
    client_uuid: uuid.UUID
    inspection_id: int | None = None
    institution_id: int | None = None
    kind: str = "routine"
    items: list[ItemIn]
    joint_departments: list[str] = []
    place: str = ""
    summary: str = ""
    inspector_signatures: str = ""
    party_signature: str = ""
    party_refused: bool = False


class NoticeOut(Schema):
    id: int
    number: str
    status: str
    subject_name: str
    institution_id: int | None
    division_code: str
    inspection_id: int
    issued_on: datetime.date
    deadline: datetime.date
    overdue: bool
    items: list[ItemOut]


class AnswerIn(Schema):
    text: str


def _inspection_out(i: Inspection) -> dict[str, Any]:
    return {
        **{f: getattr(i, f) for f in ("id", "kind", "status", "subject_kind", "subject_name", "division_code")},
        "institution_id": i.institution_id,
        "planned_on": i.planned_on,
        "completed_at": i.completed_at,
        "follows_id": i.follows_id,
        "client_uuid": i.client_uuid,
        "items": [
            {"code": t.code, "label": t.label, "result": t.result, "note": t.note, "waived": t.waived}
            for t in i.items.all()
        ],
    }


def _notice_out(n: RectificationNotice) -> dict[str, Any]:
    return {
        **{f: getattr(n, f) for f in ("id", "number", "status", "subject_name", "division_code", "issued_on")},
        "institution_id": n.institution_id,
        "inspection_id": n.inspection_id,
        "deadline": n.deadline,
        "overdue": notice_svc.notice_overdue(n),
        "items": [
            {"code": t.code, "label": t.label, "result": t.result, "note": t.note, "waived": t.waived}
            for t in n.items.all()
        ],
    }


def _pk(pk: int) -> int:
    if pk < 1 or pk > 2**31:
        raise ApiError(404, "未找到", "not_found")
    return pk


@router.get(
    "/inspections", response={200: InspectionPage, **ERRORS}, auth=session_or_token, summary="检查记录（按管辖范围）"
)
@api_permission("enforcement.view_inspections")
def api_inspection_list(
    request: HttpRequest,
    county: str = "",
    kind: str = "",
    status: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = 1,
) -> dict[str, Any]:
    params = {"county": county, "kind": kind, "status": status, "date_from": date_from, "date_to": date_to}
    qs = insp_sel.inspection_list_for_user(request_user(request), insp_sel.Filters.from_params(params))
    paginator = Paginator(qs.prefetch_related("items"), API_PAGE)
    if page < 1 or (page > paginator.num_pages and page != 1):
        raise ApiError(422, "页码超出范围", "validation_error")
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_inspection_out(i) for i in current],
    }


@router.get("/inspections/{pk}", response={200: InspectionOut, **ERRORS}, auth=session_or_token, summary="检查记录详情")
@api_permission("enforcement.view_inspections")
def api_inspection_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _inspection_out(insp_sel.inspection_for_user(request_user(request), _pk(pk)))


@router.post(
    "/inspections",
    response={200: InspectionOut, 201: InspectionOut, **ERRORS},
    auth=session_or_token,
    summary="提交检查记录（按 client_uuid 幂等：重复提交返回已有记录）",
)
@api_permission("enforcement.record_inspection")
def api_inspection_submit(request: HttpRequest, payload: InspectionIn) -> Status:
    user = request_user(request)
    planned = None
    subject = None
    if payload.inspection_id is not None:
        planned = insp_sel.inspection_for_user(user, _pk(payload.inspection_id))
    elif payload.institution_id is not None:
        inst = scope_queryset(Institution.objects.all(), user).filter(pk=_pk(payload.institution_id)).first()
        if inst is None:
            raise ApiError(404, "未找到", "not_found")
        subject = Subject.of_institution(inst)
    inspection, created = insp_svc.inspection_submit(
        actor=user,
        client_uuid=payload.client_uuid,
        items=[insp_svc.ItemInput(code=i.code, result=i.result, note=i.note) for i in payload.items],
        planned=planned,
        subject=subject,
        kind=payload.kind,
        joint_departments=payload.joint_departments,
        place=payload.place,
        summary=payload.summary,
        inspector_signatures=payload.inspector_signatures,
        party_signature=payload.party_signature,
        party_refused=payload.party_refused,
        inspected_at=timezone.now(),
    )
    return Status(201 if created else 200, _inspection_out(inspection))


@router.get(
    "/notices",
    response={200: list[NoticeOut], **ERRORS},
    auth=session_or_token,
    summary="整改通知书（按管辖范围；机构只见本机构）",
)
def api_notice_list(request: HttpRequest, status: str = "", county: str = "") -> list[dict[str, Any]]:
    user = request_user(request)
    if insp_sel.operator_institution(user) is not None:
        qs = insp_sel.own_notices(user)
    else:
        qs = insp_sel.notice_list_for_user(user, insp_sel.Filters(county=county[:6], status=status[:12]))
    return [_notice_out(n) for n in qs.prefetch_related("items")[:500]]


def _notice_for(request: HttpRequest, pk: int) -> RectificationNotice:
    user = request_user(request)
    if insp_sel.operator_institution(user) is not None:
        return insp_sel.own_notice(user, _pk(pk))
    return insp_sel.notice_for_user(user, _pk(pk))


@router.get("/notices/{pk}", response={200: NoticeOut, **ERRORS}, auth=session_or_token, summary="整改通知书详情")
def api_notice_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _notice_out(_notice_for(request, pk))


@router.post(
    "/notices/{pk}/answer", response={201: NoticeOut, **ERRORS}, auth=session_or_token, summary="机构提交整改情况"
)
@api_permission("enforcement.view_own_enforcement")
def api_notice_answer(request: HttpRequest, pk: int, payload: AnswerIn) -> Status:
    user = request_user(request)
    notice = insp_sel.own_notice(user, _pk(pk))
    notice_svc.notice_answer(actor=user, notice=notice, text=payload.text)
    notice.refresh_from_db()
    return Status(201, _notice_out(notice))
