"""Bank notification signatures: HMAC-SHA256 with the bank's secret, hex-encoded into ``X-Signature``.

Two schemes, chosen per bank (``Bank.signature_scheme``). Either way ``X-Timestamp`` (Unix seconds) is required
and a timestamp outside the window (``rules.notification_max_age_seconds()``, either way: clocks drift) is refused.

* ``timestamp_body`` (the default): the signed message is ``"<X-Timestamp>." + raw body``. The time is bound into
  the signature, so a captured request cannot be resent later with a fresh timestamp: it fails the signature.
* ``body``: the signed message is the raw request body bytes alone, for banks integrated before the default
  changed (their administrator switches them once the bank signs the timestamp too). A captured body can be
  resent with a new timestamp and verifies, but it carries the bank's ``notification_id`` and the platform books
  each (bank, notification_id) exactly once (``payments.bank_notification_receive``, backed by a unique
  constraint): such a replay gets the first answer back and books nothing.

An optional ``sha256=`` prefix on the signature is accepted; comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"

SCHEME_BODY = "body"
SCHEME_TIMESTAMP_BODY = "timestamp_body"
SCHEMES = (SCHEME_BODY, SCHEME_TIMESTAMP_BODY)


def signed_message(timestamp: str, body: bytes, scheme: str = SCHEME_TIMESTAMP_BODY) -> bytes:
    """The bytes the HMAC covers under ``scheme``."""
    if scheme == SCHEME_TIMESTAMP_BODY:
        return timestamp.encode("ascii") + b"." + body
    if scheme == SCHEME_BODY:
        return body
    raise ValueError(f"unknown signature scheme {scheme!r}")


def sign(secret: str, timestamp: str, body: bytes, scheme: str = SCHEME_TIMESTAMP_BODY) -> str:
    """The hex signature a bank sends for ``body`` at ``timestamp`` under ``scheme``."""
    return hmac.new(secret.encode("utf-8"), signed_message(timestamp, body, scheme), hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, now: float | None = None, scheme: str = SCHEME_TIMESTAMP_BODY
) -> dict[str, str]:
    """Headers for a signed request (used by the simulated bank and tests)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body, scheme)}


def timestamp_well_formed(timestamp: str) -> bool:
    """True when ``timestamp`` looks like Unix seconds (ASCII digits, at most 12 of them)."""
    return timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12


def timestamp_fresh(timestamp: str, *, max_age_seconds: int, now: float | None = None) -> bool:
    """True when ``timestamp`` is Unix seconds within ``max_age_seconds`` of now (either way: clocks drift, and a
    timestamp far in the future would otherwise stay "fresh" for as long as its sender liked)."""
    if not timestamp_well_formed(timestamp):
        return False
    current = time.time() if now is None else now
    return abs(current - int(timestamp)) <= max_age_seconds


def signature_valid(
    secret: str, timestamp: str, body: bytes, signature: str, scheme: str = SCHEME_TIMESTAMP_BODY
) -> bool:
    given = signature.strip().lower().removeprefix("sha256=")
    if not given.isascii():
        return False
    return hmac.compare_digest(sign(secret, timestamp, body, scheme), given)
