"""Open311 GeoReport v2 under /api/v1/public/open311/ (no account, rate-limited per address).

- ``GET services.json``: the categories; ``GET services/{service_code}.json``: a definition (no attributes).
- ``POST requests.json`` (form fields as GeoReport v2: service_code, address_string, lat, long, description,
  phone; extension: ``media`` photo files, up to 9, checked as on the web form). ``media_url`` (a link to an
  image elsewhere) is ignored: the platform never fetches a URL a caller names. ``email``, ``first_name`` and
  ``last_name`` are accepted and discarded (nothing to store them for).
- ``GET requests.json``: reviewed requests (accepted or refused onwards), filters ``service_request_id``
  (comma-separated), ``service_code``, ``start_date``, ``end_date``, ``status`` (open/closed); paging extension
  ``page``, ``page_size`` (≤ 200).
- ``GET requests/{service_request_id}.json``: one request (any state; the id is the unguessable tracking code).
- Extensions on every request: ``status_notes`` (the latest public note, 进展说明), ``media_url`` (the first photo,
  once accepted), ``agency_responsible`` (the department and level handling it).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Form, Query, Router, Schema, Status

from shuangjian.core.api_errors import ApiError, ErrorOut, InvalidOut
from shuangjian.core.middleware import client_ip

from . import intake, selectors, services
from .models import INTERNAL_CHANNELS, Category, Channel, Report, ReportStatus
from .schemas import RequestCreatedOut, RequestOut, ServiceDefinitionOut, ServiceOut

router = Router(tags=["open311"])
S = ReportStatus
CLOSED = (S.CLOSED, S.REFUSED, S.MERGED)
MAX_PAGE_SIZE = 200


def _limited(request: HttpRequest, *, read: bool = False) -> None:
    retry = intake.read_rate_check(request) if read else intake.intake_rate_check(request)
    if retry is not None:
        raise ApiError(429, _("请求过于频繁，请 %(s)d 秒后再试。") % {"s": retry}, "rate_limited")


@router.get("/services.json", auth=None, response=list[ServiceOut], summary="Open311：举报类别（服务列表）")
def services_list(request: HttpRequest) -> list[dict[str, object]]:
    return [_service(code, label) for code, label in Category.choices]


def _service(code: str, label: object) -> dict[str, object]:
    return {
        "service_code": code,
        "service_name": str(label),
        "description": str(label),
        "metadata": False,
        "type": "realtime",
        "keywords": "双减,举报",
        "group": _("校外培训"),
    }


@router.get(
    "/services/{service_code}.json",
    auth=None,
    response={200: ServiceDefinitionOut, 404: ErrorOut},
    summary="Open311：类别定义",
)
def service_definition(request: HttpRequest, service_code: str) -> dict[str, object]:
    if service_code not in Category.values:
        raise ApiError(404, _("没有这个举报类别。"), "unknown_service")
    return {"service_code": service_code, "attributes": []}


class RequestIn(Schema):
    service_code: str
    description: str = ""
    address_string: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    phone: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    account_id: str = ""
    api_key: str = ""
    media_url: str = ""


@router.post(
    "/requests.json",
    auth=None,
    response={201: list[RequestCreatedOut], 422: InvalidOut, 429: ErrorOut},
    summary="Open311：提交举报",
)
def request_create(request: HttpRequest, data: Form[RequestIn]) -> Status:
    """GeoReport v2 form fields (application/x-www-form-urlencoded, or multipart/form-data with the ``media``
    extension: up to 9 photo files, JPEG/PNG/WebP, checked and re-encoded as on the web form). The answer's
    ``service_request_id`` is the tracking code."""
    _limited(request)
    media = request.FILES.getlist("media")
    if data.service_code not in Category.values:
        raise ApiError(422, {"service_code": [_("没有这个举报类别。")]}, "unknown_service")
    try:
        report = services.report_submit(
            actor=None,
            data=services.ReportInput(
                category=data.service_code,
                description=data.description,
                address=data.address_string,
                phone=data.phone,
                channel=Channel.API,
                latitude=data.lat,
                longitude=data.long,
            ),
            uploads=list(media or []),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        raise ApiError(422, exc.message_dict if hasattr(exc, "error_dict") else exc.messages, "validation_error")
    notice = _("已收到，请保存查询码 %(code)s 查询办理进展。") % {"code": report.display_code}
    return Status(
        201, [{"service_request_id": report.code, "token": None, "service_notice": notice, "account_id": None}]
    )


def _request_out(request: HttpRequest, report: Report, *, own_text: bool) -> dict[str, object]:
    main = report.merged_into or report
    last = main.events.order_by("-at", "-pk").first()
    photo = report.photos.order_by("pk").first()
    media = None
    if photo is not None and report.acknowledged_at and report.status != S.REFUSED:
        media = request.build_absolute_uri(
            reverse("complaints_public:track_photo", kwargs={"code": report.code, "photo_pk": photo.pk})
        )
    subject = report.subject_label
    summary = f"{report.get_category_display()}" + (f"：{subject}" if subject else "")
    return {
        "service_request_id": report.code,
        "status": "closed" if main.status in CLOSED else "open",
        "status_notes": last.public_note if last else "",
        "service_name": report.get_category_display(),
        "service_code": report.category,
        "description": report.description if own_text else summary,
        "agency_responsible": f"{main.get_level_display()} {main.get_department_display()}",
        "service_notice": "",
        "requested_datetime": report.received_at,
        "updated_datetime": max(report.updated_at, main.updated_at),
        "expected_datetime": None,
        "address": report.address,
        "address_id": None,
        "zipcode": None,
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": media,
    }


class RequestsQuery(Schema):
    service_request_id: str = ""
    service_code: str = ""
    start_date: datetime.datetime | None = None
    end_date: datetime.datetime | None = None
    status: str = ""
    page: int = 1
    page_size: int = 50


@router.get(
    "/requests.json",
    auth=None,
    response={200: list[RequestOut], 422: InvalidOut, 429: ErrorOut},
    summary="Open311：查询举报（已审核的）",
)
def requests_list(request: HttpRequest, q: Query[RequestsQuery]) -> list[dict[str, object]]:
    _limited(request, read=True)
    if q.status not in ("", "open", "closed"):
        raise ApiError(422, {"status": [_("应为 open 或 closed。")]}, "validation_error")
    if q.page < 1 or not 1 <= q.page_size <= MAX_PAGE_SIZE:
        raise ApiError(422, {"page_size": [_("每页 1 到 200 条。")]}, "validation_error")
    # Reports raised inside the platform (a grid officer's finding) are not listed to the public.
    qs = (
        Report.objects.exclude(status=S.NEW)
        .exclude(channel__in=INTERNAL_CHANNELS)
        .select_related("merged_into", "institution")
        .order_by("-received_at")
    )
    if q.service_request_id:
        codes = [c for c in (selectors.rules.tracking_code_normalise(x) for x in q.service_request_id.split(",")) if c]
        qs = qs.filter(code__in=codes[:MAX_PAGE_SIZE])
    if q.service_code:
        qs = qs.filter(category=q.service_code)
    if q.start_date:
        qs = qs.filter(received_at__gte=q.start_date)
    if q.end_date:
        qs = qs.filter(received_at__lte=q.end_date)
    if q.status == "open":
        qs = qs.exclude(status__in=CLOSED)
    elif q.status == "closed":
        qs = qs.filter(status__in=CLOSED)
    start = (min(q.page, 10_000) - 1) * q.page_size
    return [_request_out(request, r, own_text=False) for r in qs[start : start + q.page_size]]


@router.get(
    "/requests/{service_request_id}.json",
    auth=None,
    response={200: list[RequestOut], 404: ErrorOut, 429: ErrorOut},
    summary="Open311：按查询码查看一件举报",
)
def request_detail(request: HttpRequest, service_request_id: str) -> list[dict[str, object]]:
    _limited(request, read=True)
    report = selectors.report_by_code(service_request_id)
    return [_request_out(request, report, own_text=True)]
