"""Funds API, mounted at the API root: ``/api/v1/banks/...`` (banks' machine calls) and ``/api/v1/funds/...``."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic import ValidationError as PydanticValidationError

from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError, ErrorOut, InvalidOut, validation_message

from . import payments, rules, selectors, services
from .ledger import MAX_POSTING_FEN
from .models import Bank
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid, timestamp_fresh, timestamp_well_formed

router = Router(tags=["funds"])

MAX_NOTIFICATION_BYTES = 64 * 1024


class NotificationIn(BaseModel):
    """What a bank posts. ``amount_fen`` is integer fen; ``order_no`` is the platform's payment order number."""

    model_config = ConfigDict(extra="ignore")

    notification_id: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    order_no: Annotated[StrictStr, Field(max_length=40)] = ""
    amount_fen: Annotated[StrictInt, Field(gt=0, le=MAX_POSTING_FEN)]
    bank_reference: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    paid_at: datetime.datetime | None = None
    payer_name: Annotated[StrictStr, Field(max_length=128)] = ""
    # The account the money came from: a custody refund goes back to it (原路退回).
    payer_account: Annotated[StrictStr, Field(max_length=40)] = ""
    payer_bank_name: Annotated[StrictStr, Field(max_length=128)] = ""


class NotificationOut(Schema):
    notification_id: str
    bank_reference: str
    result: str
    entry_id: int
    order_no: str | None = None
    suspense_case_id: int | None = None
    detail: str | None = None


_NOTIFICATION_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": NotificationIn.model_json_schema()}},
    },
    "parameters": [
        {"name": TIMESTAMP_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
        {"name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"}},
    ],
    "description": (
        "银行到账通知。签名：HMAC-SHA256(银行密钥, `<X-Timestamp>.` + 原始请求体字节)，十六进制放在 X-Signature"
        "（可带 `sha256=` 前缀）。X-Timestamp 为 Unix 秒，必填；与当前时间相差超过允许时间窗"
        f"（FUNDS_NOTIFICATION_MAX_AGE_SECONDS，默认 {rules.NOTIFICATION_MAX_AGE_SECONDS} 秒）的请求拒绝（401）。"
        "尚未改造的银行可按约定改用仅签原始请求体的方式。"
        "同一 notification_id 重复发送返回首次结果，不重复入账。"
        "签名错误或时间戳过期 → 401；时间戳格式错误、请求体格式错误 → 400（附 detail）；"
        f"请求体超过 {MAX_NOTIFICATION_BYTES} 字节 → 413。\n\n"
        "Bank payment notification. Signature: HMAC-SHA256(bank secret, `<X-Timestamp>.` + raw body bytes), hex in "
        "X-Signature (optional `sha256=` prefix). X-Timestamp (Unix seconds) is required; outside the window "
        f"(FUNDS_NOTIFICATION_MAX_AGE_SECONDS, default {rules.NOTIFICATION_MAX_AGE_SECONDS} s) it is refused (401). "
        "A bank not yet upgraded may be set to sign the raw body only. A repeated notification_id gets the first "
        f"answer and books nothing. A body over {MAX_NOTIFICATION_BYTES} bytes is refused (413) unread."
    ),
}


def _body_within(request: HttpRequest, limit: int) -> bytes:
    """The request body, or 413 without reading more than ``limit`` + 1 bytes of it (an unauthenticated caller
    must not make the server buffer a large body): the declared length is checked first, then at most
    ``limit`` + 1 bytes are read, which also catches a body longer than its header says."""
    too_large = ApiError(413, _("请求体过大（上限 %(n)s 字节）") % {"n": limit}, "too_large")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        raise ApiError(400, _("Content-Length 无效"), "malformed")
    if int(declared) > limit:
        raise too_large
    if hasattr(request, "_body"):
        body: bytes = request.body  # read already by something before us (within the global limit)
    else:
        body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def notification_answer(request: HttpRequest, bank_code: str) -> payments.NotificationResult:
    """Verify and book a bank's notification; the answer to send (``ApiError`` for a refusal).

    Answered by ``funds.middleware.BankNotificationMiddleware`` before the session, CSRF, authentication and
    API-routing layers (none of which a signed machine call uses), and by the API route below for anything the
    middleware leaves to it; both call this, so the answers are the same.
    """
    body = _body_within(request, MAX_NOTIFICATION_BYTES)
    code = bank_code[:32]
    # The bank as this process remembers it; read again when the signature does not verify against it (a new
    # secret or scheme) or when the claim finds it changed (deactivated too), so a change applies at once.
    bank, fresh = payments.notification_bank(code)
    while True:
        if bank is None:
            raise ApiError(404, _("未找到该银行"), "bank_not_found")
        try:
            data, payload = _verified(request, bank, body)
        except ApiError as exc:
            if exc.code != "signature_invalid" or fresh:
                raise
            bank, fresh = payments.notification_bank(code, fresh=True)
            continue
        try:
            return payments.bank_notification_receive(
                bank=bank, data=data, payload=payload, body_sha256=hashlib.sha256(body).hexdigest()
            )
        except payments.BankChanged:
            # Nothing was written. Changed again since it was read a moment ago: let the bank send again.
            if fresh:
                raise ApiError(409, _("该银行的配置刚刚变更，请重新发送"), "bank_changed")
            bank, fresh = payments.notification_bank(code, fresh=True)


def _verified(request: HttpRequest, bank: Bank, body: bytes) -> tuple[payments.NotificationData, dict[str, Any]]:
    """The notification, once its timestamp and signature hold and its body parses: typed data and the JSON object."""
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise ApiError(401, _("缺少签名或时间戳"), "signature_missing")
    if not timestamp_well_formed(timestamp):
        raise ApiError(400, _("X-Timestamp 应为 Unix 时间（秒）"), "timestamp_malformed")
    if not timestamp_fresh(timestamp, max_age_seconds=rules.notification_max_age_seconds()):
        raise ApiError(
            401,
            _("时间戳无效或已过期（超过 %(window)s）") % {"window": rules.notification_window_text()},
            "timestamp_stale",
        )
    if not signature_valid(bank.notification_secret, timestamp, body, signature, bank.signature_scheme):
        raise ApiError(401, _("签名无效"), "signature_invalid")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, _("请求体不是有效的 JSON：%(err)s") % {"err": exc}, "malformed")
    if not isinstance(payload, dict):
        raise ApiError(400, _("请求体应为 JSON 对象"), "malformed")
    try:
        parsed = NotificationIn.model_validate(payload)
    except PydanticValidationError as exc:
        errors = [
            {"loc": list(e.get("loc", [])), "msg": validation_message(dict(e)), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        raise ApiError(400, errors, "malformed")
    data = payments.NotificationData(
        notification_id=parsed.notification_id,
        order_no=parsed.order_no,
        amount_fen=parsed.amount_fen,
        bank_reference=parsed.bank_reference,
        paid_at=parsed.paid_at,
        payer_name=parsed.payer_name,
        payer_account=parsed.payer_account,
        payer_bank_name=parsed.payer_bank_name,
    )
    return data, payload


def notification_out(body: dict[str, Any]) -> dict[str, Any]:
    """An answer in ``NotificationOut``'s shape (every field, in order; absent ones null), as the route returns it."""
    return {name: body.get(name) for name in NotificationOut.model_fields}


@router.post(
    "/banks/{bank_code}/notifications",
    auth=None,
    response={200: NotificationOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut},
    openapi_extra=_NOTIFICATION_OPENAPI,
    summary="银行到账通知",
    url_name="bank_notification",
)
def bank_notification(request: HttpRequest, response: HttpResponse, bank_code: str) -> dict[str, Any]:
    result = notification_answer(request, bank_code)
    if result.replay:
        response["Idempotent-Replayed"] = "true"
    return result.body


class OrderIn(Schema):
    enrolment_id: int
    class_hours: int = Field(gt=0, le=10000)
    period_start: datetime.date
    period_end: datetime.date


class OrderOut(Schema):
    order_no: str
    enrolment_id: int
    bank_code: str
    amount_fen: int
    class_hours: int
    period_start: datetime.date
    period_end: datetime.date
    is_renewal: bool
    status: str


def _order_out(order: Any) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "enrolment_id": order.enrolment_id,
        "bank_code": order.bank.code if order.bank else "",
        "amount_fen": order.amount_fen,
        "class_hours": order.class_hours,
        "period_start": order.period_start,
        "period_end": order.period_end,
        "is_renewal": order.is_renewal,
        "status": order.status,
    }


@router.post(
    "/funds/orders",
    auth=session_or_token,
    response={201: OrderOut, 401: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="创建缴费单（校验单次收费限额）",
)
def order_create(request: HttpRequest, payload: OrderIn) -> Status:
    enrolment = selectors.enrolment_payable_for_user(request.user, payload.enrolment_id)  # type: ignore[arg-type]
    order = services.payment_order_create(
        actor=request.user,  # type: ignore[arg-type]
        enrolment=enrolment,
        class_hours=payload.class_hours,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, _order_out(order))


@router.get(
    "/funds/orders/{order_no}",
    auth=session_or_token,
    response={200: OrderOut, 401: ErrorOut, 404: ErrorOut},
    summary="查询缴费单",
)
def order_detail(request: HttpRequest, order_no: str) -> dict[str, Any]:
    order = selectors.order_for_user(request.user, order_no)  # type: ignore[arg-type]
    return _order_out(order)
