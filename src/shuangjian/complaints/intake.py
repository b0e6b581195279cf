"""Anti-abuse for public intake: a per-IP rate limit and, after a few reports, a signed arithmetic challenge.

The counters live in the ``ratelimit`` cache (shared Redis in production, as the portal's limit). Limits are
settings: ``COMPLAINTS_INTAKE_RATE_LIMIT`` ("20/h" per address) and ``COMPLAINTS_CHALLENGE_AFTER`` (reports from
one address per day before the challenge is asked; not a policy number — a local anti-abuse choice).
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.http import HttpRequest

from shuangjian.core.middleware import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SALT = "complaints.challenge"


def _count(key: str, window: int, *, add: bool) -> int:
    cache = caches["ratelimit"]
    if not add:
        return int(cache.get(key, 0))
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.add(key, 1, timeout=window + 1)
        return 1


def _rate_check(request: HttpRequest, bucket: str, text: str) -> int | None:
    count_s, _sep, unit = text.partition("/")
    limit, window = int(count_s), _UNITS[(unit.strip() or "h")[:1]]
    if limit <= 0:
        return None
    now = int(time.time())
    start = now - now % window
    n = _count(f"rl:{bucket}:{client_ip(request) or 'unknown'}:{start}", window, add=True)
    return max(start + window - now, 1) if n > limit else None


def intake_rate_check(request: HttpRequest) -> int | None:
    """Count one intake attempt; None if allowed, else seconds until the window resets."""
    return _rate_check(request, "complaints", str(getattr(settings, "COMPLAINTS_INTAKE_RATE_LIMIT", "20/h")))


def read_rate_check(request: HttpRequest) -> int | None:
    """Count one public read (Open311 lists and lookups) against the portal's per-address limit."""
    return _rate_check(request, "complaints-read", str(getattr(settings, "SHUANGJIAN_PUBLIC_RATE_LIMIT", "60/m")))


def _day_key(request: HttpRequest) -> str:
    return f"rl:complaints-day:{client_ip(request) or 'unknown'}:{int(time.time()) // 86400}"


def challenge_needed(request: HttpRequest) -> bool:
    after = int(getattr(settings, "COMPLAINTS_CHALLENGE_AFTER", 3))
    return _count(_day_key(request), 86400, add=False) >= after


def report_filed(request: HttpRequest) -> None:
    _count(_day_key(request), 86400, add=True)


def challenge_new() -> tuple[str, str]:
    """(question, signed token): a sum of two small numbers; the token carries the answer, signed and dated."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    return f"{a} + {b} = ?", signing.dumps(a + b, salt=_SALT)


def challenge_ok(token: str, answer: str) -> bool:
    try:
        expected = signing.loads(token or "", salt=_SALT, max_age=3600)
    except signing.BadSignature:
        return False
    return str(answer or "").strip() == str(expected)
