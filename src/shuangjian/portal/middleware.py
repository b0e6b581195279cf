"""Public searches answered right after language selection, before the rest of the middleware stack.

``GET /api/v1/public/institutions?q=`` is the busiest anonymous endpoint. Everything it needs — the host check,
the per-IP rate limit, the answer cache and the search — is in ``api.search_response``; URL resolution, the API
framework and the middleware below this one (sessions, CSRF, authentication, messages, history) have nothing to
do for an anonymous GET, and cost about as much as the search itself. So this middleware answers well-formed
searches here, cached or not. What still applies: the host check, the rate limit (counted once per request), and
the headers of the middleware above it (security headers, language); X-Frame-Options and Content-Length, set by
middleware below, are set here. Anything else — a query too short (422), several ``q``, a NUL character (400), a
database error — goes down the stack to the API handler and its error handling, as before.

Keep it below ``SecurityMiddleware`` and ``LocaleMiddleware`` and keep every header-adding middleware above it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class PublicSearchMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.path is None:
            self.path = reverse("api:public_institution_search")
        if request.method == "GET" and request.path_info == self.path:
            response = self.early(request)
            if response is not None:
                return response
        return self.get_response(request)

    def early(self, request: HttpRequest) -> HttpResponse | None:
        from . import api, selectors

        values = request.GET.getlist("q")
        if len(values) != 1:
            return None
        text = selectors.normalise_query(values[0])
        if len(text) < selectors.SEARCH_MIN_CHARS or "\x00" in text:
            return None
        request.get_host()  # the ALLOWED_HOSTS check CommonMiddleware would have made
        try:
            response = api.search_response(request, text)
        except DatabaseError:
            return None  # the handler below answers it again, with the API's error handling
        # What XFrameOptionsMiddleware and CommonMiddleware, further down, add to every answer.
        response.headers.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())
        response.headers.setdefault("Content-Length", str(len(response.content)))
        return response
