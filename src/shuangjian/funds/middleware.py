"""Bank notifications answered right below language selection, before the rest of the middleware stack.

``POST /api/v1/banks/<code>/notifications`` is a signed machine call that banks send as fast as payments arrive
(issue #17: 16 concurrent senders against the same server's ``/healthz``). It uses no session, cookie, CSRF token,
user, message or history record, and the sessions, CSRF, authentication, messages, history, lockout and API-routing
layers below this one cost about as much CPU as a whole ``/healthz``. So this middleware answers it here with
``api.notification_answer`` — the function the API route calls too, so the answers (status, JSON body,
``Idempotent-Replayed``) are the same. What still applies: every middleware above this one (security and
size-limit checks, security headers, replica routing, language), the host check, the caller's address for the
audit log, and the headers that middleware below would add (X-Frame-Options, Content-Length). Errors are JSON
``{"detail", "code"}`` as ``core.middleware.ApiErrorMiddleware`` makes them. Any other method goes down the stack.

Keep it below ``LocaleMiddleware`` (error messages follow the caller's language) and keep every header-adding
middleware above it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja.renderers import JSONRenderer

from shuangjian.core.api_errors import REFUSED_VALUE_DETAIL, ApiError
from shuangjian.core.context import current_ip
from shuangjian.core.middleware import api_error, client_ip

from .api import notification_answer, notification_out

logger = logging.getLogger(__name__)

_PLACEHOLDER = "BANKCODE"


class BankNotificationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.renderer = JSONRenderer()
        self.prefix: str | None = None
        self.suffix = ""

    def _bank_code(self, path: str) -> str | None:
        """The bank code when ``path`` is the notification URL, else None."""
        if self.prefix is None:
            example = reverse("api:bank_notification", kwargs={"bank_code": _PLACEHOLDER})
            self.prefix, _code, self.suffix = example.partition(_PLACEHOLDER)
        if not (path.startswith(self.prefix) and path.endswith(self.suffix)):
            return None
        code = path[len(self.prefix) : len(path) - len(self.suffix)]
        return code if code and "/" not in code else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            code = self._bank_code(request.path_info)
            if code is not None:
                return self.answer(request, code)
        return self.get_response(request)

    def answer(self, request: HttpRequest, bank_code: str) -> HttpResponse:
        request.get_host()  # the ALLOWED_HOSTS check CommonMiddleware would have made
        token = current_ip.set(client_ip(request))
        try:
            result = notification_answer(request, bank_code)
            response = self.render(request, result.status_code, notification_out(result.body))
            if result.replay:
                response["Idempotent-Replayed"] = "true"
        except ApiError as exc:
            response = self.render(request, exc.status_code, {"detail": exc.detail, "code": exc.code})
        except DataError:
            # As ApiErrorMiddleware: a value the database refused is the caller's bad input, not a server fault.
            logger.warning("Database refused a value from %s", request.path, exc_info=True)
            response = api_error(400, REFUSED_VALUE_DETAIL, "invalid_value")
        except Exception:
            logger.exception("Unhandled error in %s", request.path)
            response = api_error(500)
        finally:
            current_ip.reset(token)
        # What XFrameOptionsMiddleware and CommonMiddleware, further down, add to every answer.
        response.headers.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())
        response.headers.setdefault("Content-Length", str(len(response.content)))
        return response

    def render(self, request: HttpRequest, status: int, data: object) -> HttpResponse:
        """As the API renders an answer (``NinjaAPI.create_response``)."""
        content = self.renderer.render(request, data, response_status=status)
        return HttpResponse(
            content, status=status, content_type=f"{self.renderer.media_type}; charset={self.renderer.charset}"
        )
