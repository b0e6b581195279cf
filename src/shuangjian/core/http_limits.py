"""Request bodies and response headers that protect every page: size limits, CSP, no caching of personal pages."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .middleware import api_error

logger = logging.getLogger(__name__)


def body_limit(request: HttpRequest) -> int:
    """The most bytes a request may carry: uploads (multipart) get the upload limit, everything else the form limit."""
    if request.content_type == "multipart/form-data":
        return int(settings.SHUANGJIAN_MAX_UPLOAD_REQUEST_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    detail = _("请求内容过大（上限 %(mb)s MB）。") % {"mb": f"{limit / 1024 / 1024:g}"}
    if request.path.startswith("/api/"):
        return api_error(413, detail, "payload_too_large")
    html = render_to_string("413.html", {"detail": detail})
    return HttpResponse(html, status=413)


class RequestSizeLimitMiddleware:
    """Refuses an oversized body from its Content-Length before anything reads it (413, JSON under /api/).

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when a view reads the body, after the server has received it;
    under the API that surfaced as a 500, and an upload had been read whole before its own check refused it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            if request.path.startswith("/api/"):
                return api_error(400, _("Content-Length 无效。"), "bad_request")
            return HttpResponse(_("Content-Length 无效。"), status=400, content_type="text/plain; charset=utf-8")
        limit = body_limit(request)
        if length > limit:
            return too_large(request, limit)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Django's own checks (form fields past DATA_UPLOAD_MAX_NUMBER_FIELDS, a body read past its limit).
        if isinstance(exception, RequestDataTooBig):
            return too_large(request, body_limit(request))
        if isinstance(exception, TooManyFieldsSent):
            if request.path.startswith("/api/"):
                return api_error(400, _("表单字段过多。"), "too_many_fields")
            return HttpResponse(_("表单字段过多。"), status=400, content_type="text/plain; charset=utf-8")
        return None


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response (scripts only from this site or with the page's nonce), and
    ``Cache-Control: no-store`` on everything answered to a signed-in person: their pages carry children's names,
    ID numbers and fees, which a shared computer's browser cache or a proxy must not keep."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        policy = str(settings.SHUANGJIAN_CONTENT_SECURITY_POLICY)
        if policy and "Content-Security-Policy" not in response:
            if response.get("Content-Type", "").startswith("text/html"):
                response["Content-Security-Policy"] = policy.replace("{nonce}", nonce)
            else:
                # JSON, files, Excel: nothing in them may run or be framed (and the header stays cacheable).
                response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response


def csp_nonce(request: HttpRequest) -> dict[str, object]:
    """Template context: the nonce an inline ``<script nonce="{{ csp_nonce }}">`` needs to run."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
