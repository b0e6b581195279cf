"""API error type and the handlers that turn every failure into ``{"detail", "code"}``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .rules import RuleViolationError

logger = logging.getLogger(__name__)

# What a request hears when the database refused a value it carried (a NUL character, a number out of range).
REFUSED_VALUE_DETAIL = _("请求中含有无法保存的字符或数值（例如空字符）。")

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrPromise


class ErrorOut(Schema):
    """Every refusal: a Chinese message and a stable machine code."""

    detail: str
    code: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(Schema):
    """422: the request parsed but its values were refused — per field (``validation_error``: a list of field
    errors, or field → messages), by the compliance rules (``rule_violation``: each item names its rule code,
    message and policy basis), or as a whole (a message)."""

    detail: str | list[FieldErrorOut] | list[dict[str, Any]] | dict[str, list[str]] | list[str]
    code: str


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


# Chinese wording for the validation errors clients meet most; "type" stays pydantic's stable code.
_VALIDATION_MESSAGES: dict[str, StrPromise] = {
    "missing": _("此项为必填项"),
    "int_parsing": _("应为整数"),
    "int_type": _("应为整数"),
    "int_from_float": _("应为整数"),
    "float_parsing": _("应为数字"),
    "float_type": _("应为数字"),
    "decimal_parsing": _("应为数字"),
    "bool_parsing": _("应为 true 或 false"),
    "bool_type": _("应为 true 或 false"),
    "string_type": _("应为字符串"),
    "greater_than": _("应大于 %(gt)s"),
    "greater_than_equal": _("应不小于 %(ge)s"),
    "less_than": _("应小于 %(lt)s"),
    "less_than_equal": _("应不大于 %(le)s"),
    "string_too_short": _("至少 %(min_length)s 个字符"),
    "string_too_long": _("至多 %(max_length)s 个字符"),
    "string_pattern_mismatch": _("格式不正确"),
    "too_short": _("至少 %(min_length)s 项"),
    "too_long": _("至多 %(max_length)s 项"),
    "literal_error": _("应为以下之一：%(expected)s"),
    "enum": _("应为以下之一：%(expected)s"),
    "date_parsing": _("应为日期，格式 YYYY-MM-DD"),
    "date_from_datetime_parsing": _("应为日期，格式 YYYY-MM-DD"),
    "date_type": _("应为日期，格式 YYYY-MM-DD"),
    "datetime_parsing": _("应为日期时间（ISO 8601）"),
    "datetime_from_date_parsing": _("应为日期时间（ISO 8601）"),
    "datetime_type": _("应为日期时间（ISO 8601）"),
    "uuid_parsing": _("应为 UUID"),
    "json_invalid": _("请求体不是有效的 JSON"),
    "list_type": _("应为数组"),
    "dict_type": _("应为对象"),
    "model_attributes_type": _("应为对象"),
    "extra_forbidden": _("不接受此字段"),
}


def validation_message(error: dict[str, Any]) -> str:
    """A Chinese message for one pydantic error; a validator's own ValueError message is passed through."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in {"value_error", "assertion_error"} and "error" in ctx:
        return str(ctx["error"])
    lazy = _VALIDATION_MESSAGES.get(kind)
    if lazy is None:
        return str(_("输入无效：%(msg)s")) % {"msg": error.get("msg", "")}
    template = str(lazy)
    if "%(" not in template:
        return template
    try:
        return template % {k: str(v) for k, v in ctx.items()}
    except (KeyError, TypeError, ValueError):
        return template.split("%(")[0].rstrip("：: ")


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, detail: Any, code: str, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": detail, "code": code}, status=status)

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.detail, exc.code, exc.status_code)

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"loc": list(e.get("loc", [])), "msg": validation_message(e), "type": str(e.get("type", ""))}
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
        response = respond(request, "未登录或令牌无效", "unauthorized", 401)
        # RFC 6750: tell a program which scheme to retry with (browsers do not prompt for Bearer).
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(DataError)
    def _refused_value(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value the request carried (a NUL character, a number out of range): bad input.
        logger.warning("Database refused a value from %s", request.path, exc_info=exc)
        return respond(request, REFUSED_VALUE_DETAIL, "invalid_value", 400)

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, str(_("请求内容过大。")), "payload_too_large", 413)

    @api.exception_handler(TooManyFieldsSent)
    def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
        return respond(request, str(_("表单字段过多。")), "too_many_fields", 400)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, "未找到", "not_found", 404)

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, str(exc) or "没有权限", "forbidden", 403)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, str(exc), "error", exc.status_code)
