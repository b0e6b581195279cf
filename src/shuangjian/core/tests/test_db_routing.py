"""Which database a read goes to (core/db_routing.py), on any database; the real replica is in test_replica.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import RequestFactory

from shuangjian.core import db_routing
from shuangjian.core.db_routing import PRIMARY_COOKIE, REPLICA_ALIAS, PrimaryReplicaRouter, ReplicaRoutingMiddleware
from shuangjian.registry.models import Institution


@pytest.fixture
def fake_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)


def test_without_replica_nothing_is_routed() -> None:
    router = PrimaryReplicaRouter()
    with db_routing.replica_reads():
        assert router.db_for_read(Institution) is None
    assert router.db_for_write(Institution) == DEFAULT_DB_ALIAS
    # Without a replica a POST leaves no "read the primary" cookie behind.
    from django.http import HttpResponse

    response = ReplicaRoutingMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().post("/public/reports/"))
    assert PRIMARY_COOKIE not in response.cookies


def test_marked_reads_go_to_replica_until_a_write_or_a_transaction(
    fake_replica: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Institution) is None  # tasks, commands, shells: the primary
    with db_routing.replica_reads():
        assert router.db_for_read(Institution) == REPLICA_ALIAS
        with monkeypatch.context() as inside:
            inside.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
            assert router.db_for_read(Institution) == DEFAULT_DB_ALIAS  # a read inside a write's transaction
        assert router.db_for_read(Institution) == REPLICA_ALIAS
        assert router.db_for_write(Institution) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Institution) is None  # read your own write
    assert router.allow_migrate(REPLICA_ALIAS, "registry") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry") is True


@db_routing.read_only
def _seen_by_read_only_task() -> bool:
    return db_routing.reads_use_replica()


def test_read_only_marker_for_tasks_and_commands(fake_replica: None) -> None:
    assert db_routing.reads_use_replica() is False
    assert _seen_by_read_only_task() is True


def test_middleware_routes_public_gets_and_pins_after_a_post(fake_replica: None) -> None:
    seen: list[bool] = []

    def view(request: Any) -> Any:
        from django.http import HttpResponse

        seen.append(db_routing.reads_use_replica())
        return HttpResponse("ok")

    middleware = ReplicaRoutingMiddleware(view)
    factory = RequestFactory()
    middleware(factory.get("/public/whitelist/"))
    middleware(factory.get("/api/v1/public/institutions"))
    middleware(factory.get("/complaints/statistics/"))
    middleware(factory.get("/registry/institutions/"))  # a working list: the primary
    posted = middleware(factory.post("/public/reports/"))
    assert seen == [True, True, True, False, False]
    pin = posted.cookies[PRIMARY_COOKIE]
    assert pin["httponly"] and float(pin.value) > time.time()
    after_post = factory.get("/public/whitelist/")
    after_post.COOKIES[PRIMARY_COOKIE] = pin.value
    middleware(after_post)
    forged = factory.get("/public/whitelist/")
    forged.COOKIES[PRIMARY_COOKIE] = str(time.time() + 10 * 365 * 86400)
    middleware(forged)
    assert seen[-2:] == [False, True]
