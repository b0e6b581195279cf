"""Registry API: institutions for staff (scoped), the sites of my institution for operators."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError

from . import rules, selectors, services
from .filters import InstitutionFilters
from .models import Institution, Site
from .schemas import InstitutionOut, InstitutionPage, SiteIn, SiteOut

router = Router(tags=["registry"])
PAGE_SIZE = 50


@router.get("/institutions", response=InstitutionPage, auth=session_or_token, summary="机构名录（按管辖范围）")
def institution_list(
    request: HttpRequest,
    q: str = "",
    division: str = "",
    category: str = "",
    field: str = "",
    status: str = "",
    supervision_mode: str = "",
    listing: str = "",
    zombie: bool = False,
    violations: bool = False,
    page: int = 1,
) -> dict[str, Any]:
    params = {
        "q": q,
        "division": division,
        "category": category,
        "field": field,
        "status": status,
        "supervision_mode": supervision_mode,
        "listing": listing,
        "zombie": "1" if zombie else "",
        "violations": "1" if violations else "",
    }
    qs = selectors.institution_list_for_user(user=request_user(request), filters=InstitutionFilters.from_params(params))
    paginator = Paginator(qs, PAGE_SIZE)
    if page < 1 or (page > paginator.num_pages and page != 1):
        raise ApiError(422, "页码超出范围", "validation_error")
    current = paginator.get_page(page)
    return {"count": paginator.count, "page": current.number, "pages": paginator.num_pages, "results": list(current)}


@router.get("/institutions/{pk}", response=InstitutionOut, auth=session_or_token, summary="机构详情")
def institution_detail(request: HttpRequest, pk: int) -> Institution:
    if pk < 1 or pk > 2**31:
        raise ApiError(404, "未找到", "not_found")
    return selectors.institution_for_user(user=request_user(request), pk=pk)


def _site_out(site: Site) -> dict[str, Any]:
    violations = rules.check_site(services.site_facts(site), today=timezone.localdate())
    return {
        **{f: getattr(site, f) for f in SiteIn.model_fields},
        "id": site.pk,
        "capacity": rules.site_capacity(site.usable_area_m2),
        "violations": [v.as_dict() for v in violations],
    }


def _my_institution(request: HttpRequest) -> Institution:
    inst = selectors.my_institution(user=request_user(request))
    if inst is None:
        raise ApiError(404, "未找到", "not_found")
    return inst


@router.get("/my/sites", response=list[SiteOut], auth=session_or_token, summary="本机构教学点")
def my_sites(request: HttpRequest) -> list[dict[str, Any]]:
    inst = _my_institution(request)
    return [_site_out(s) for s in inst.sites.order_by("pk")]


@router.post(
    "/my/sites", response={200: SiteOut, 201: SiteOut}, auth=session_or_token, summary="新增或更新教学点（按名称幂等）"
)
def my_site_upsert(request: HttpRequest, payload: SiteIn) -> Status:
    inst = _my_institution(request)
    existing = inst.sites.filter(name=payload.name).first()
    site, _violations = services.site_save(
        actor=request_user(request), institution=inst, data=payload.model_dump(), site=existing
    )
    return Status(200 if existing else 201, _site_out(site))


@router.put("/my/sites/{pk}", response=SiteOut, auth=session_or_token, summary="更新教学点")
def my_site_update(request: HttpRequest, pk: int, payload: SiteIn) -> dict[str, Any]:
    inst = _my_institution(request)
    site = inst.sites.filter(pk=pk).first() if 0 < pk < 2**31 else None
    if site is None:
        raise ApiError(404, "未找到", "not_found")
    saved, _violations = services.site_save(
        actor=request_user(request), institution=inst, data=payload.model_dump(), site=site
    )
    return _site_out(saved)
