"""Enforcement: the county statistics page at 10,000 vs 100,000 inspections (target: ≤ 1.5× slower).

A scratch database holds 5 counties of 400 active institutions each; inspections of every kind and status are
spread over the year. A city regulator opens /enforcement/statistics/ (all 5 counties): measured with the
figures kept (``ENFORCEMENT_STATS_CACHE_SECONDS``, what a reader normally meets) and recomputed (``?refresh=1``,
what the first reader after expiry meets). Median of BENCH_REPEAT (7) requests each.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time

from bench import Figure, scratch_database

COUNTIES = ("410202", "410203", "410204", "410205", "410212")
PER_COUNTY = 400
SMALL = int(os.environ.get("BENCH_ENFORCEMENT_SMALL", "10000"))
LARGE = int(os.environ.get("BENCH_ENFORCEMENT_LARGE", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


def _median_ms(client: object, url: str) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def _add_inspections(count: int, offset: int, institutions: list[object], creator: object) -> None:
    from django.utils import timezone

    from shuangjian.enforcement.models import Inspection, InspectionKind, InspectionStatus

    kinds = list(InspectionKind.values)
    statuses = [InspectionStatus.DONE] * 6 + [InspectionStatus.PLANNED] * 3 + [InspectionStatus.CANCELLED]
    year = timezone.localdate().year
    tz = timezone.get_current_timezone()
    batch = []
    for n in range(offset, offset + count):
        inst = institutions[n % len(institutions)]
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=n % 360)
        status = statuses[n % len(statuses)]
        done_at = datetime.datetime.combine(day, datetime.time(10), tzinfo=tz) if status == "done" else None
        batch.append(
            Inspection(
                subject_kind="institution",
                institution=inst,
                subject_name=inst.name,  # type: ignore[attr-defined]
                division_code=inst.division_code,  # type: ignore[attr-defined]
                kind=kinds[n % len(kinds)],
                status=status,
                planned_on=day,
                completed_at=done_at,
                created_by=creator,
            )
        )
        if len(batch) == 5000:
            Inspection.objects.bulk_create(batch)
            batch = []
    if batch:
        Inspection.objects.bulk_create(batch)


def run() -> list[Figure]:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from shuangjian.core.models import Department, Division, DivisionLevel, Role, User
    from shuangjian.core.validators import make_resident_id, make_uscc
    from shuangjian.registry.models import Institution

    figures: list[Figure] = []
    with scratch_database(), override_settings(ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
        Division.objects.bulk_create(
            [Division(code=c, name=f"县区{c}", level=DivisionLevel.COUNTY) for c in COUNTIES], ignore_conflicts=True
        )
        Division.objects.get_or_create(code="4102", defaults={"name": "开封市", "level": DivisionLevel.CITY})
        institutions = Institution.objects.bulk_create(
            [
                Institution(
                    name=f"压测机构{i}",
                    uscc=make_uscc(f"52{COUNTIES[i % len(COUNTIES)]}{8000000 + i:08d}"),
                    category="subject",
                    licensed_subjects=["math"],
                    legal_form="non_profit",
                    legal_rep_name="张三",
                    legal_rep_id=make_resident_id("41020219850101123"),
                    address="开封",
                    division_code=COUNTIES[i % len(COUNTIES)],
                    status="active",
                    licence_no=f"BENCH-ENF-{i}",
                )
                for i in range(PER_COUNTY * len(COUNTIES))
            ],
            batch_size=2000,
        )
        regulator = User.objects.create(
            username="bench_city", role=Role.REGULATOR, scope_code="4102", department=Department.EDUCATION
        )
        client = Client()
        client.force_login(regulator)
        url = "/enforcement/statistics/"

        def measure(size: int) -> tuple[float, float]:
            cache.clear()
            client.get(url)  # fills the kept figures
            warm = _median_ms(client, url)
            cold = _median_ms(client, url + "?refresh=1")
            figures.append((f"enforcement statistics page, {size} inspections, figures kept", warm, "ms"))
            figures.append((f"enforcement statistics page, {size} inspections, recomputed", cold, "ms"))
            return warm, cold

        _add_inspections(SMALL, 0, institutions, regulator)
        small_warm, small_cold = measure(SMALL)
        _add_inspections(LARGE - SMALL, SMALL, institutions, regulator)
        large_warm, large_cold = measure(LARGE)
        ratio = large_warm / small_warm
        figures.append((f"statistics page {LARGE} vs {SMALL}, figures kept (target ≤ 1.5)", ratio, "×"))
        figures.append((f"statistics page {LARGE} vs {SMALL}, recomputed", large_cold / small_cold, "×"))
    return figures
