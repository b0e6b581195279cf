"""Reads on a PostgreSQL streaming replica, when one is configured (``DATABASE_REPLICA_URL``).

Only reads that are marked read-only go to the replica: GET/HEAD requests to the public portal and public API,
dashboards, statistics and exports (``ReplicaRoutingMiddleware``), and code run inside ``replica_reads()``
(a Celery task or management command that only reads). Everything else keeps using the primary, so a task, a
command or a shell behaves exactly as without a replica.

Inside a read-only context the primary is still used:
- for every write (``db_for_write``) and, once something was written, for every later read of that context,
  so a request that writes reads its own write;
- for every read inside a transaction on the primary (``transaction.atomic``: a service's checks and locks);
- for the whole request when the browser carries the "read primary until" cookie that every POST sets, so the
  page a POST redirects to shows what the POST wrote even while the replica lags behind.

Without a replica alias in ``DATABASES`` the router answers ``None`` (Django's default) and nothing changes.
"""

from __future__ import annotations

import contextvars
import fnmatch
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA_ALIAS = "replica"
PRIMARY_COOKIE = "sj_primary_until"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class _Reads:
    """Where the reads of the current request or task go; a write pins the rest of it to the primary."""

    replica: bool
    wrote: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("shuangjian_db_reads", default=None)


def replica_configured() -> bool:
    return REPLICA_ALIAS in connections.settings


def reads_use_replica() -> bool:
    """True when a read made now would go to the replica."""
    return _read_alias() == REPLICA_ALIAS


def _read_alias() -> str | None:
    state = _reads.get()
    if state is None or not state.replica or state.wrote or not replica_configured():
        return None
    # A read inside the primary's transaction belongs to that transaction (checks before a write, locks).
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA_ALIAS


@contextmanager
def replica_reads(enabled: bool = True) -> Iterator[None]:
    """Send the reads of this block to the replica (if one is configured); writes still go to the primary."""
    token = _reads.set(_Reads(replica=enabled))
    try:
        yield
    finally:
        _reads.reset(token)


def read_only(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a Celery task, command handler or function as read-only: its reads may be served by the replica."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads():
            return func(*args, **kwargs)

    return wrapper


class PrimaryReplicaRouter:
    """Django database router: writes to the primary; marked reads to the replica (see module docstring)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return _read_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        state = _reads.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both aliases hold the same rows: an object read from the replica may point at one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # The replica is read-only and receives the schema by streaming from the primary.
        return db != REPLICA_ALIAS


def _pin_seconds() -> int:
    return int(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 10))


def _pinned_to_primary(request: HttpRequest) -> bool:
    raw = request.COOKIES.get(PRIMARY_COOKIE)
    if not raw:
        return False
    try:
        until = float(raw)
    except ValueError:
        return False
    now = time.time()
    # A cookie further in the future than one pin period was not set by us; it buys nothing.
    return now < until <= now + _pin_seconds() + 1


class ReplicaRoutingMiddleware:
    """Marks read-only requests so the router sends their reads to the replica; every POST pins the browser
    to the primary for ``DATABASE_REPLICA_PIN_SECONDS`` (longer than the replica's usual lag)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes: tuple[str, ...] = tuple(getattr(settings, "DATABASE_REPLICA_PATH_PREFIXES", ()))
        self.names: tuple[str, ...] = tuple(getattr(settings, "DATABASE_REPLICA_URL_NAMES", ()))
        self._by_path: dict[str, bool] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        if request.method not in _SAFE_METHODS:
            with replica_reads(enabled=False):
                response = self.get_response(request)
            response.set_cookie(
                PRIMARY_COOKIE,
                f"{time.time() + _pin_seconds():.3f}",
                max_age=_pin_seconds(),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
        enabled = self.is_read_only(request.path_info) and not _pinned_to_primary(request)
        with replica_reads(enabled=enabled):
            return self.get_response(request)

    def is_read_only(self, path: str) -> bool:
        known = self._by_path.get(path)
        if known is None:
            known = self._classify(path)
            if len(self._by_path) < 10_000:  # paths carry ids; keep the memo bounded
                self._by_path[path] = known
        return known

    def _classify(self, path: str) -> bool:
        if path.startswith(self.prefixes):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        names = {match.url_name or "", match.view_name}
        return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in self.names)
