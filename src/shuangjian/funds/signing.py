"""Bank notification signatures: HMAC-SHA256 with the bank's secret, hex-encoded into ``X-Signature``.

Two schemes, chosen per bank (``Bank.signature_scheme``):

* ``body`` (the default, what issue #6 specifies): the signed message is the raw request body bytes, exactly as
  received. ``X-Timestamp`` (Unix seconds) is still required and a request whose timestamp is more than 5 minutes
  old — or more than 5 minutes in the future — is refused, but the timestamp is not part of the signature.
* ``timestamp_body``: the signed message is ``"<X-Timestamp>." + raw body``, for banks that bind the time into
  the signature (then a captured request cannot be resent later with a fresh timestamp).

Why a replay does no harm under ``body``: someone who captures a signed notification can resend its body with a
new timestamp, but the body carries the bank's ``notification_id`` and the platform books each
(bank, notification_id) exactly once (``payments.bank_notification_receive``, backed by a unique constraint): a
replay gets the first answer back and books nothing. The body cannot be altered without the secret, so a replay
can neither change an amount nor create a payment; the timestamp window only limits how long a stale request is
worth answering at all.

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


def signed_message(timestamp: str, body: bytes, scheme: str = SCHEME_BODY) -> bytes:
    """The bytes the HMAC covers under ``scheme``."""
    if scheme == SCHEME_TIMESTAMP_BODY:
        return timestamp.encode("ascii") + b"." + body
    if scheme == SCHEME_BODY:
        return body
    raise ValueError(f"unknown signature scheme {scheme!r}")


def sign(secret: str, timestamp: str, body: bytes, scheme: str = SCHEME_BODY) -> str:
    """The hex signature a bank sends for ``body`` at ``timestamp`` under ``scheme``."""
    return hmac.new(secret.encode("utf-8"), signed_message(timestamp, body, scheme), hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None, scheme: str = SCHEME_BODY) -> dict[str, str]:
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


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str, scheme: str = SCHEME_BODY) -> bool:
    given = signature.strip().lower().removeprefix("sha256=")
    if not given.isascii():
        return False
    return hmac.compare_digest(sign(secret, timestamp, body, scheme), given)
