"""Bank notification signatures: HMAC-SHA256 with the bank's secret.

The signed message is ``"<X-Timestamp>." + raw body bytes`` (the timestamp in Unix seconds, as sent in the
``X-Timestamp`` header), hex-encoded into ``X-Signature`` (an optional ``sha256=`` prefix is accepted). Binding the
timestamp into the signature means a captured request cannot be replayed later with a fresh timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The hex signature a bank sends for ``body`` at ``timestamp``."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """Headers for a signed request (used by the simulated bank and tests)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def timestamp_fresh(timestamp: str, *, max_age_seconds: int, now: float | None = None) -> bool:
    """True when ``timestamp`` is Unix seconds within ``max_age_seconds`` of now (either way: clocks drift)."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    current = time.time() if now is None else now
    return abs(current - int(timestamp)) <= max_age_seconds


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    given = signature.strip().lower().removeprefix("sha256=")
    if not given.isascii():
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), given)
