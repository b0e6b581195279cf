"""API error type and the handlers that turn every failure into ``{"detail", "code"}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .rules import RuleViolationError


class ApiError(HttpError):
    """An error a client can act on: a status, a stable machine code and a Chinese message."""

    def __init__(self, status_code: int, detail: Any, code: str) -> None:
        super().__init__(status_code, str(detail))
        self.detail = detail
        self.code = code


def django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return [str(m) for m in exc.messages]


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, detail: Any, code: str, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": detail, "code": code}, status=status)

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.detail, exc.code, exc.status_code)

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"loc": list(e.get("loc", [])), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors
        ]
        return respond(request, errors, "validation_error", 422)

    @api.exception_handler(RuleViolationError)
    def _rules(request: HttpRequest, exc: RuleViolationError) -> HttpResponse:
        return respond(request, [v.as_dict() for v in exc.violations], "rule_violation", 422)

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(request, django_validation_detail(exc), "validation_error", 422)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, "未登录或令牌无效", "unauthorized", 401)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, "未找到", "not_found", 404)

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, str(exc) or "没有权限", "forbidden", 403)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, str(exc), "error", exc.status_code)
