"""Grid API under /api/v1/grid (session or bearer token).

Grid officers: their cells and today's expected reports, a daily report (one per officer, cell and day: filing
again answers the report already filed, 200 instead of 201), the one-tap zero report, their own reports, and a
finding turned into an inspection lead or a public-report case (each once). Regulating staff: the reports of
their division and the reporting rates per county and township for a period. Out of reach answers 404; refused
values 422; every error is ``{"detail", "code"}``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError, ErrorOut, InvalidOut
from shuangjian.core.permissions import api_permission, can
from shuangjian.core.photos import photo_check

from . import rules, selectors, services
from .models import Finding, GridReport

router = Router(tags=["grid"])

API_PAGE = 50
MAX_GAPS = 500
MAX_RATE_DAYS = 366
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: InvalidOut}


# --- shapes --------------------------------------------------------------------------------------------------------


class CellTodayOut(Schema):
    code: str
    name: str
    township_code: str
    township_name: str
    expected_today: bool = Field(description="A report is expected today (a working day, or a rest-day cell).")
    report_id: int | None = Field(description="Today's report, once filed.")
    filed_at: datetime.datetime | None


class SightingIn(Schema):
    institution_id: int
    kind: str = Field(description="open / closed / against_order")


class FindingIn(Schema):
    kind: str = Field(description="unlicensed / against_order / ad")
    institution_id: int | None = None
    name: str = Field("", max_length=128)
    address: str = Field("", max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    description: str = Field("", max_length=2000)


class ReportIn(Schema):
    cell: str = Field(max_length=20, description="The grid cell's code (one of the officer's cells today).")
    day: datetime.date | None = Field(None, description="Default today; a missed working day may be filed late.")
    is_zero: bool = False
    places_patrolled: str = Field("", max_length=2000)
    ads_seen: str = Field("", max_length=2000)
    note: str = Field("", max_length=2000)
    sightings: list[SightingIn] = Field([], max_length=500)
    findings: list[FindingIn] = Field([], max_length=50)


class ZeroIn(Schema):
    day: datetime.date | None = Field(None, description="Default today (a reminder's missed day may be named).")


class SightingOut(Schema):
    institution_id: int
    kind: str


class FindingOut(Schema):
    id: int
    report_id: int
    kind: str
    institution_id: int | None
    name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    description: str
    has_photo: bool
    inspection_id: int | None = Field(description="The inspection lead raised from the finding.")
    public_report_id: int | None = Field(description="The public-report case raised from the finding.")
    public_report_code: str = Field(description="Its tracking code (the officer follows it as its reporter).")
    public_report_status: str


class ReportOut(Schema):
    id: int
    cell: str
    day: datetime.date
    division_code: str
    township_code: str
    officer: str
    is_zero: bool
    places_patrolled: str
    ads_seen: str
    note: str
    submitted_at: datetime.datetime
    sightings: list[SightingOut]
    findings: list[FindingOut]


class SubmittedOut(ReportOut):
    created: bool = Field(description="False: the report of that officer, cell and day was already filed.")


class ReportPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ReportOut]


class TallyOut(Schema):
    expected: int
    actual: int
    on_time: int
    missing: int
    reporting_percent: float | None
    on_time_percent: float | None


class RateRowOut(TallyOut):
    code: str
    name: str


class GapOut(Schema):
    day: datetime.date
    cell: str
    cell_name: str
    township_code: str
    township_name: str
    officer: str
    reminded: bool


class RatesOut(Schema):
    first: datetime.date
    last: datetime.date
    total: TallyOut
    counties: list[RateRowOut]
    townships: list[RateRowOut]
    gaps_count: int
    gaps: list[GapOut] = Field(description=f"The most recent gaps, at most {MAX_GAPS}.")


# --- serialisers ---------------------------------------------------------------------------------------------------


def _finding_out(f: Finding) -> dict[str, Any]:
    report = f.public_report
    return {
        **{k: getattr(f, k) for k in ("id", "report_id", "kind", "institution_id", "name", "address", "description")},
        "latitude": f.latitude,
        "longitude": f.longitude,
        "has_photo": bool(f.photo),
        "inspection_id": f.inspection_id,
        "public_report_id": f.public_report_id,
        "public_report_code": report.display_code if report is not None else "",
        "public_report_status": report.status if report is not None else "",
    }


def _report_out(r: GridReport) -> dict[str, Any]:
    return {
        **{
            k: getattr(r, k)
            for k in ("id", "day", "division_code", "township_code", "is_zero", "places_patrolled", "ads_seen", "note")
        },
        "cell": r.grid_code,
        "officer": r.officer.display_name or r.officer.username,
        "submitted_at": r.submitted_at,
        "sightings": [{"institution_id": s.institution_id, "kind": s.kind} for s in r.sightings.all()],
        "findings": [_finding_out(f) for f in r.findings.all()],
    }


def _tally_out(t: rules.Tally) -> dict[str, Any]:
    return {
        "expected": t.expected,
        "actual": t.actual,
        "on_time": t.on_time,
        "missing": t.missing,
        "reporting_percent": rules.rate_percent(t.reporting_rate),
        "on_time_percent": rules.rate_percent(t.on_time_rate),
    }


def _pk(pk: int) -> int:
    if pk < 1 or pk > 2**31:
        raise ApiError(404, _("未找到"), "not_found")
    return pk


def _with_details(qs: Any) -> Any:
    return qs.prefetch_related(
        "sightings", "findings__public_report", "findings__institution", "findings__inspection"
    ).select_related("officer")


def _report(user: Any, pk: int) -> GridReport:
    report = _with_details(selectors.reports_for_user(user)).filter(pk=_pk(pk)).first()
    if report is None:
        raise ApiError(404, _("未找到"), "not_found")
    return report


# --- the officer ---------------------------------------------------------------------------------------------------


@router.get(
    "/cells",
    response={200: list[CellTodayOut], **ERRORS},
    auth=session_or_token,
    summary="网格员：我的网格与今日应报日报",
)
@api_permission("grid.file_report")
def api_cells(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": row.cell.code,
            "name": row.cell.name,
            "township_code": row.cell.township_id,
            "township_name": row.cell.township.name,
            "expected_today": row.expected,
            "report_id": row.report.pk if row.report else None,
            "filed_at": row.report.submitted_at if row.report else None,
        }
        for row in selectors.today_for_officer(request_user(request))
    ]


def _submitted(result: services.Submitted, user: Any) -> Status:
    report = _report(user, result.report.pk)
    return Status(201 if result.created else 200, {**_report_out(report), "created": result.created})


@router.post(
    "/reports",
    response={200: SubmittedOut, 201: SubmittedOut, **ERRORS},
    auth=session_or_token,
    summary="网格员：提交日报（每人每网格每日一份；重复提交返回已报送的日报）",
)
@api_permission("grid.file_report")
def api_report_submit(request: HttpRequest, payload: ReportIn) -> Status:
    user = request_user(request)
    cell = selectors.cell_for_officer(user, payload.cell)
    data = services.ReportInput(
        is_zero=payload.is_zero,
        places_patrolled=payload.places_patrolled,
        ads_seen=payload.ads_seen,
        note=payload.note,
        sightings={s.institution_id: s.kind for s in payload.sightings},
        findings=tuple(
            services.FindingInput(
                kind=f.kind,
                institution_id=f.institution_id,
                name=f.name,
                address=f.address,
                latitude=f.latitude,
                longitude=f.longitude,
                description=f.description,
            )
            for f in payload.findings
        ),
    )
    if data.is_zero and (data.sightings or data.findings):
        raise ApiError(422, {"is_zero": [_("“今日无异常”的日报不能同时填报巡查情况或发现。")]}, "validation_error")
    result = services.grid_report_submit(actor=user, cell=cell, day=payload.day or timezone.localdate(), data=data)
    return _submitted(result, user)


@router.post(
    "/cells/{code}/zero",
    response={200: SubmittedOut, 201: SubmittedOut, **ERRORS},
    auth=session_or_token,
    summary="网格员：一键报送“今日无异常”",
)
@api_permission("grid.file_report")
def api_report_zero(request: HttpRequest, code: str, payload: ZeroIn) -> Status:
    user = request_user(request)
    cell = selectors.cell_for_officer(user, code)
    return _submitted(services.grid_report_zero(actor=user, cell=cell, day=payload.day), user)


@router.get(
    "/reports",
    response={200: ReportPage, **ERRORS},
    auth=session_or_token,
    summary="日报列表（网格员：本人报送的；监管人员：本辖区的）",
)
@api_permission("grid.view_reports")
def api_report_list(
    request: HttpRequest,
    cell: str = "",
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    page: int = 1,
) -> dict[str, Any]:
    user = request_user(request)
    qs = selectors.reports_for_user(user)
    if can(user, "grid.file_report"):
        qs = qs.filter(officer=user)
    if cell:
        qs = qs.filter(grid_code=cell[:20])
    if day_from:
        qs = qs.filter(day__gte=day_from)
    if day_to:
        qs = qs.filter(day__lte=day_to)
    paginator = Paginator(_with_details(qs), API_PAGE)
    if page < 1 or (page > paginator.num_pages and page != 1):
        raise ApiError(422, _("页码超出范围"), "validation_error")
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [_report_out(r) for r in current],
    }


@router.get("/reports/{pk}", response={200: ReportOut, **ERRORS}, auth=session_or_token, summary="日报详情")
@api_permission("grid.view_reports")
def api_report_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _report_out(_report(request_user(request), pk))


def _finding(request: HttpRequest, pk: int, permission: str) -> tuple[Any, Finding]:
    user = request_user(request)
    finding = selectors.finding_for_user(user, _pk(pk))
    if not can(user, permission, finding):
        raise ApiError(404, _("未找到"), "not_found")
    return user, finding


@router.post(
    "/findings/{pk}/lead",
    response={200: FindingOut, 201: FindingOut, **ERRORS},
    auth=session_or_token,
    summary="发现转为检查线索（只转一次：重复请求返回已有线索）",
)
@api_permission("grid.view_reports")
def api_finding_lead(request: HttpRequest, pk: int) -> Status:
    user, finding = _finding(request, pk, "grid.raise_lead")
    already = finding.inspection_id is not None
    finding = services.grid_finding_to_lead(actor=user, finding=finding)
    return Status(200 if already else 201, _finding_out(finding))


@router.post(
    "/findings/{pk}/photo",
    response={201: FindingOut, **ERRORS},
    auth=session_or_token,
    summary="网格员：补传发现的现场照片（multipart，字段 file；每个发现一张，已有照片的不能替换）",
)
@api_permission("grid.file_report")
def api_finding_photo(request: HttpRequest, pk: int, file: File[UploadedFile]) -> Status:
    user, finding = _finding(request, pk, "grid.attach_photo")
    photo = photo_check(file)  # refused photos: 422 with the reason (type, size, pixels, damage)
    return Status(201, _finding_out(services.grid_finding_photo_attach(actor=user, finding=finding, photo=photo)))


@router.post(
    "/findings/{pk}/report",
    response={200: FindingOut, 201: FindingOut, **ERRORS},
    auth=session_or_token,
    summary="发现转为举报案件（渠道：网格员上报；只转一次：重复请求返回已有案件）",
)
@api_permission("grid.view_reports")
def api_finding_report(request: HttpRequest, pk: int) -> Status:
    user, finding = _finding(request, pk, "grid.report_finding")
    already = finding.public_report_id is not None
    finding = services.grid_finding_to_report(actor=user, finding=finding)
    return Status(200 if already else 201, _finding_out(finding))


# --- regulators ----------------------------------------------------------------------------------------------------


@router.get(
    "/rates",
    response={200: RatesOut, **ERRORS},
    auth=session_or_token,
    summary="监管人员：各县区、乡镇（街道）日报报送率与及时率（默认最近 30 个完整日）",
)
@api_permission("grid.view_rates")
def api_rates(
    request: HttpRequest, first: datetime.date | None = None, last: datetime.date | None = None
) -> dict[str, Any]:
    last = last or timezone.localdate() - datetime.timedelta(days=1)
    first = first or last - datetime.timedelta(days=29)
    if first > last:
        raise ApiError(422, {"first": [_("起始日期不能晚于截止日期。")]}, "validation_error")
    if (last - first).days >= MAX_RATE_DAYS:
        raise ApiError(422, {"last": [_("统计区间不能超过一年。")]}, "validation_error")
    data = selectors.rates_for_user(request_user(request), first, last)
    return {
        "first": data.first,
        "last": data.last,
        "total": _tally_out(data.total),
        "counties": [{"code": r.code, "name": r.name, **_tally_out(r.tally)} for r in data.counties],
        "townships": [{"code": r.code, "name": r.name, **_tally_out(r.tally)} for r in data.townships],
        "gaps_count": len(data.gaps),
        "gaps": [
            {
                "day": g.slot.day,
                "cell": g.slot.cell,
                "cell_name": g.cell,
                "township_code": g.slot.township,
                "township_name": g.township,
                "officer": g.officer,
                "reminded": g.reminded,
            }
            for g in data.gaps[:MAX_GAPS]
        ],
    }
