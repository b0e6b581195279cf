"""Data exchange (数据对接) for staff: institutions' systems keep their people current.

``PUT /employments/{external_id}`` is idempotent on the caller's own record id: the same call twice leaves one
employment. Rule violations answer 422 ``{"detail": [violations], "code": "rule_violation"}`` and write nothing.
Resident IDs are only ever returned masked.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.permissions import api_permission

from . import selectors, services
from .models import Employment
from .schemas import EmploymentIn, EmploymentOut, EmploymentPage, EndIn

router = Router(tags=["staff"], auth=session_or_token)


class EmploymentListParams(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)  # bounded: SQLite refuses an OFFSET beyond 64 bits
    q: str = ""
    role: str = ""
    current: bool = False
    flagged: bool = False
    uncertified: bool = False


def _out(e: Employment, created: bool = False) -> dict[str, Any]:
    flags = getattr(e, "open_flags", None)
    if flags is None:
        flags = list(e.flags.filter(resolved_at__isnull=True))
    return {
        "id": e.pk,
        "external_id": e.external_id,
        "person_id": e.person_id,
        "name": e.person.name,
        "resident_id_masked": e.person.masked_resident_id,
        "institution_id": e.institution_id,
        "institution_name": e.institution.name,
        "role": e.role,
        "start": e.start,
        "end": e.end,
        "subjects": list(e.subjects or []),
        "field": e.field,
        "division_code": e.division_code,
        "qualifications": [
            {"kind": q.kind, "number": q.number, "subject": q.subject, "level": q.level, "field": q.field}
            for q in e.person.qualifications.all()
        ],
        "flags": [{"code": f.code, "detail": f.detail, "created_at": f.created_at} for f in flags],
        "created": created,
    }


@router.get("/employments", response=EmploymentPage, summary="聘用记录列表（机构看本机构，监管部门看辖区）")
def employment_list(request: HttpRequest, params: Query[EmploymentListParams]) -> dict[str, Any]:
    user = request_user(request)
    qs = selectors.filter_employments(selectors.employments_for_user(user), params.dict())
    count = qs.count()
    items = list(qs[params.offset : params.offset + params.limit])
    return {"count": count, "items": [_out(e) for e in items]}


@router.get("/employments/{external_id}", response=EmploymentOut, summary="按机构系统编号查询本机构聘用记录")
def employment_detail(request: HttpRequest, external_id: str) -> dict[str, Any]:
    user = request_user(request)
    institution = selectors.operator_institution(user)
    if institution is None:
        raise Http404
    try:
        e = selectors.employments_for_user(user).get(external_id=external_id)
    except Employment.DoesNotExist:
        raise Http404 from None
    return _out(e)


@router.put(
    "/employments/{external_id}",
    response={200: EmploymentOut, 201: EmploymentOut},
    summary="登记或更新聘用记录（人员、岗位、资质证书；按机构系统编号幂等）",
)
@api_permission("staff.manage_employments")
def employment_put(request: HttpRequest, external_id: str, payload: EmploymentIn) -> Status:
    user = request_user(request)
    e, created = services.employment_upsert(actor=user, external_id=external_id, data=payload.to_data())
    fresh = selectors.employment_for_user(user, e.pk)
    return Status(201 if created else 200, _out(fresh, created))


@router.post("/employments/{external_id}/end", response=EmploymentOut, summary="登记离职")
def employment_end(request: HttpRequest, external_id: str, payload: EndIn) -> dict[str, Any]:
    user = request_user(request)
    institution = selectors.operator_institution(user)
    if institution is None:
        raise Http404
    e = Employment.objects.filter(institution=institution, external_id=external_id).first()
    if e is None:
        raise Http404
    services.employment_end(actor=user, employment=e, end=payload.end)
    return _out(selectors.employment_for_user(user, e.pk))


@router.delete("/employments/{external_id}", response=EmploymentOut, summary="登记离职（以今天为离职日期）")
def employment_delete(request: HttpRequest, external_id: str) -> dict[str, Any]:
    from django.utils import timezone

    user = request_user(request)
    institution = selectors.operator_institution(user)
    if institution is None:
        raise Http404
    e = Employment.objects.filter(institution=institution, external_id=external_id).first()
    if e is None:
        raise Http404
    if e.end is None or e.end > timezone.localdate():
        services.employment_end(actor=user, employment=e, end=max(timezone.localdate(), e.start))
    return _out(selectors.employment_for_user(user, e.pk))
