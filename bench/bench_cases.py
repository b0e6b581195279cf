"""Enforcement: the regulator's penalty-case list (filters, deadline warnings, overdue count) at 10,000 and 100,000
cases in one county. Goal: 100k within 1.5x of 10k and under 300 ms (median of 7 signed-in views, test client)."""

from __future__ import annotations

import datetime
import statistics
import time

from bench import Figure, scratch_database

STAGES = ("filed", "investigation", "notified", "decided", "served", "executed", "closed")


def _add(n_from: int, n_to: int, user: object) -> None:
    from shuangjian.enforcement.models import PenaltyCase

    today = datetime.date(2026, 12, 1)
    rows = []
    for n in range(n_from, n_to):
        filed = today - datetime.timedelta(days=n % 700)
        rows.append(
            PenaltyCase(
                subject_kind="unlicensed",
                subject_name=f"压测对象{n}",
                division_code="410202",
                filing_no=f"410202教立〔{filed.year}〕{n}号",
                stage=STAGES[n % len(STAGES)],
                violation="disguised",
                act_on=filed - datetime.timedelta(days=10),
                facts="压测",
                filed_on=filed,
                decide_by=filed + datetime.timedelta(days=90),
                created_by=user,
            )
        )
        if len(rows) == 5000:
            PenaltyCase.objects.bulk_create(rows)
            rows = []
    PenaltyCase.objects.bulk_create(rows)


def _median_ms(client: object, path: str) -> float:
    for _ in range(2):
        assert client.get(path).status_code == 200  # type: ignore[attr-defined]
    times = []
    for _ in range(7):
        start = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times) * 1000


def run() -> list[Figure]:
    from django.test import Client

    from shuangjian.core.models import Department, Division, Role, User

    figures: list[Figure] = []
    with scratch_database():
        Division.objects.get_or_create(code="410202", defaults={"name": "龙亭区", "level": "county"})
        user = User.objects.create(
            username="bench_cases", role=Role.REGULATOR, scope_code="410202", department=Department.EDUCATION
        )
        client = Client()
        client.force_login(user)
        results = {}
        for size, start in ((10_000, 0), (100_000, 10_000)):
            _add(start, size, user)
            for label, path in (
                ("page 1", "/enforcement/cases/"),
                ("overdue filter", "/enforcement/cases/?overdue=on"),
            ):
                ms = _median_ms(client, path)
                results[(size, label)] = ms
                figures.append((f"case list {label}, {size} cases", ms, "ms"))
        for label in ("page 1", "overdue filter"):
            figures.append(
                (f"case list {label}, 100k / 10k", results[(100_000, label)] / results[(10_000, label)], "x")
            )
    return figures
