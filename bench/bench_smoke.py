"""Smoke figures for the foundation: request throughput of the health check and audit chain appends."""

from __future__ import annotations

from bench import Figure, rate, scratch_database


def run() -> list[Figure]:
    from django.db import connection
    from django.test import Client

    from shuangjian.core.audit import audit_record
    from shuangjian.core.models import AuditEvent, Role, User

    figures: list[Figure] = []
    with scratch_database():
        client = Client()
        assert client.get("/healthz").status_code == 200
        figures.append(("healthz through the test client", rate(lambda: client.get("/healthz"), count=500), "req/s"))

        actor = User.objects.create_user("bench_actor", role=Role.REGULATOR, scope_code="410202")
        counter = iter(range(10**9))

        def append() -> None:
            n = next(counter)
            audit_record(
                actor=actor,
                action="bench.append",
                object_type="bench",
                object_id=n,
                division_code="410202",
                after={"n": n},
            )

        count = 1000
        figures.append((f"audit_record appends ({connection.vendor})", rate(append, count=count), "events/s"))
        assert AuditEvent.objects.filter(action="bench.append").count() == count
    return figures
