"""Per-IP rate limit for the public pages and API: a fixed-window counter in Django's cache.

The limit is the setting ``SHUANGJIAN_PUBLIC_RATE_LIMIT`` ("60/m": 60 requests per minute per address; units
s, m, h). The address is the one the audit log uses (``client_ip``, proxy-aware). The counter lives in the
``ratelimit`` cache, which production requires to be shared by every server process (Redis): a process-local
cache would let each worker grant the whole limit. The default local-memory cache suits one dev server only.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from shuangjian.core.middleware import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_rate(text: str) -> tuple[int, int]:
    """("60/m") -> (60 requests, 60-second window). A malformed setting fails loudly at the first request."""
    count, _, unit = text.strip().partition("/")
    return int(count), _UNITS[unit.strip()[:1] or "m"]


def check_rate(request: HttpRequest, bucket: str = "public") -> int | None:
    """Count this request; None if allowed, else the seconds until the window resets (for Retry-After)."""
    limit, window = parse_rate(str(getattr(settings, "SHUANGJIAN_PUBLIC_RATE_LIMIT", "60/m")))
    if limit <= 0:
        return None
    now = int(time.time())
    window_start = now - now % window
    key = f"rl:{bucket}:{client_ip(request) or 'unknown'}:{window_start}"
    cache = caches["ratelimit"]
    if cache.add(key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr: this request opens a new window
            cache.add(key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return max(window_start + window - now, 1)
    return None
