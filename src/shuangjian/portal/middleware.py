"""A repeated public search answered from the answer cache before the rest of the middleware stack.

``GET /api/v1/public/institutions?q=`` is the busiest anonymous endpoint, and most of its requests repeat a
query answered in the last minute (``SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS``). For those, the work after the
cache read is the same every time: this middleware serves the cached bytes right after language selection,
skipping URL resolution, the API framework and the middleware below it, none of which has anything to do for an
anonymous GET of a cached answer. What still applies: the host check, the per-IP rate limit (counted once per
request, here or in the API handler), and the headers of the middleware above it (security headers, language);
X-Frame-Options and Content-Length, set by middleware below, are set here. A miss goes down the stack as before.

Keep it below ``SecurityMiddleware`` and ``LocaleMiddleware`` and keep every header-adding middleware above it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class PublicSearchCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.path is None:
            self.path = reverse("api:public_institution_search")
        if request.method == "GET" and request.path_info == self.path:
            response = self.cached(request)
            if response is not None:
                return response
        return self.get_response(request)

    def cached(self, request: HttpRequest) -> HttpResponse | None:
        from . import api

        values = request.GET.getlist("q")
        if len(values) != 1:
            return None
        body = cache.get(api.search_cache_key(values[0]))
        if body is None:
            return None
        request.get_host()  # the ALLOWED_HOSTS check CommonMiddleware would have made
        retry = api.check_rate(request)
        response = api.rate_limited(retry) if retry is not None else api.json_bytes(body)
        # What XFrameOptionsMiddleware and CommonMiddleware, further down, add to every answer.
        response.headers.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())
        response.headers.setdefault("Content-Length", str(len(response.content)))
        return response
