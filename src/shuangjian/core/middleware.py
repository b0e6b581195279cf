"""Request plumbing: caller IP for the audit log; JSON errors for everything under /api/."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

from .api_errors import REFUSED_VALUE_DETAIL
from .audit import normalise_ip
from .context import current_ip

logger = logging.getLogger(__name__)

_STATUS_CODES = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthorized", "未登录或令牌无效"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器内部错误"),
}


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address, used by the audit log and by django-axes (AXES_CLIENT_IP_CALLABLE).

    Behind ``SHUANGJIAN_TRUSTED_PROXIES`` reverse proxies, the address is the entry the outermost trusted
    proxy appended to X-Forwarded-For; entries further left are written by the client and could be forged
    to dodge the login lockout. With no trusted proxy, X-Forwarded-For is ignored.
    """
    proxies = int(getattr(settings, "SHUANGJIAN_TRUSTED_PROXIES", 0))
    candidate = request.META.get("REMOTE_ADDR") or ""
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    return normalise_ip(candidate)


def api_error(status: int, detail: object = None, code: str | None = None) -> JsonResponse:
    default_code, default_detail = _STATUS_CODES.get(status, ("error", "请求失败"))
    return JsonResponse(
        {"detail": detail if detail is not None else _(default_detail), "code": code or default_code},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiErrorMiddleware:
    """Every 4xx/5xx under /api/ leaves as JSON ``{"detail", "code"}``, whatever raised it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            current_ip.reset(token)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                body = None
            if isinstance(body, dict) and "detail" in body and "code" in body:
                return response
            detail = body.get("detail") if isinstance(body, dict) else None
            new = api_error(response.status_code, detail)
        else:
            new = api_error(response.status_code)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                new[header] = response[header]
        return new

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError):
            # The database refused a value the request carried (a NUL character, a number out of range): the
            # input is bad, so the answer is a 400, not a 500. Logged with its trace in case a bug produced it.
            logger.warning("Database refused a value from %s", request.path, exc_info=exception)
            if request.path.startswith("/api/"):
                return api_error(400, REFUSED_VALUE_DETAIL, "invalid_value")
            return bad_request(request, exception)
        if request.path.startswith("/api/"):
            logger.exception("Unhandled error in %s", request.path)
            return api_error(500)
        return None
