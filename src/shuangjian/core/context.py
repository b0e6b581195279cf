"""Request-scoped facts (the caller's IP) that services record without every call passing the request."""

from __future__ import annotations

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
