"""Public reports: intake throughput of the public form (with a photo) as a ratio to healthz, the regulator's
report list and the public statistics page at 10,000 vs 100,000 reports (goal: ≤ 1.5×), and the background
computation the statistics page reads.

In-process (django.test.Client, one thread) on a scratch database: the ratio compares the form's whole path
(checks, photo re-encoding, report + photo + event + audit rows) with the same process's healthz.
"""

from __future__ import annotations

import datetime
import io
import statistics
import time

from bench import Figure, scratch_database

SMALL = 10_000
LARGE = 100_000
INTAKES = 60


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (120, 160, 90)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def _bulk(count: int, start: int) -> None:
    from django.utils import timezone

    from shuangjian.complaints import rules
    from shuangjian.complaints.models import Report

    now = timezone.now()
    statuses = ["new", "accepted", "assigned", "dispatched", "answered", "closed"]
    rows = [
        Report(
            code=rules.tracking_code_new(),
            category="unlicensed",
            address="龙亭区中山路",
            division_code="410202" if n % 4 else "410212",
            description="压测",
            status=statuses[n % len(statuses)],
            received_at=now - datetime.timedelta(minutes=n),
            due_on=(now - datetime.timedelta(days=n % 30)).date(),
        )
        for n in range(start, start + count)
    ]
    Report.objects.bulk_create(rows, batch_size=5000)


def _page_time(client: object, path: str, repeat: int = 9) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        resp = client.get(path)  # type: ignore[attr-defined]
        assert resp.status_code == 200, resp.status_code
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _public_statistics(client: object) -> tuple[float, float]:
    """Seconds of one public statistics page view (median) and of the background computation it reads."""
    from shuangjian.complaints import services

    began = time.perf_counter()
    services.public_statistics_refresh()
    compute = time.perf_counter() - began
    return _page_time(client, "/public/reports/statistics/"), compute


def run() -> list[Figure]:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from shuangjian.complaints.models import Report
    from shuangjian.core.models import Division, DivisionLevel, Role, User

    figures: list[Figure] = []
    settings.COMPLAINTS_INTAKE_RATE_LIMIT = "0/h"  # measure the work, not the limiter
    settings.COMPLAINTS_CHALLENGE_AFTER = 10**9
    with scratch_database():
        city = Division.objects.create(code="4102", name="开封市", level=DivisionLevel.CITY)
        Division.objects.create(code="410202", name="龙亭区", level=DivisionLevel.COUNTY, parent=city)
        Division.objects.create(code="410212", name="祥符区", level=DivisionLevel.COUNTY, parent=city)
        public = Client()
        photo = _jpeg()
        public.get("/healthz")
        began = time.perf_counter()
        for _ in range(INTAKES * 5):
            public.get("/healthz")
        healthz = INTAKES * 5 / (time.perf_counter() - began)
        began = time.perf_counter()
        for n in range(INTAKES):
            resp = public.post(
                "/public/reports/",
                {
                    "category": "overtime",
                    "address": f"开封市龙亭区中山路 {n} 号",
                    "description": "晚上十点还在上课",
                    "photos": [SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")],
                },
            )
            assert resp.status_code == 302, resp.status_code
        intake = INTAKES / (time.perf_counter() - began)
        figures.append(("healthz in process", healthz, "req/s"))
        figures.append(("public report intake with a 1600x1200 photo", intake, "reports/s"))
        figures.append(("public report intake / healthz", intake / healthz, "x"))

        regulator = User.objects.create(username="bench_reg", role=Role.REGULATOR, scope_code="410202")
        staff = Client()
        staff.force_login(regulator)
        _bulk(SMALL - Report.objects.count(), 0)
        small = _page_time(staff, "/complaints/")
        small_filtered = _page_time(staff, "/complaints/?status=assigned&overdue=1")
        small_stats, small_compute = _public_statistics(public)
        _bulk(LARGE - SMALL, SMALL)
        large = _page_time(staff, "/complaints/")
        large_filtered = _page_time(staff, "/complaints/?status=assigned&overdue=1")
        large_stats, large_compute = _public_statistics(public)
        for size, page, compute in ((SMALL, small_stats, small_compute), (LARGE, large_stats, large_compute)):
            figures.append(
                (f"public statistics page at {size} reports (figures computed beforehand)", page * 1000, "ms")
            )
            figures.append((f"public statistics computation at {size} reports (background job)", compute * 1000, "ms"))
        figures.append((f"public statistics page {LARGE} / {SMALL} (goal <= 1.5)", large_stats / small_stats, "x"))
        figures.append((f"regulator report list at {SMALL}", small * 1000, "ms"))
        figures.append((f"regulator report list at {LARGE}", large * 1000, "ms"))
        figures.append((f"report list {LARGE} / {SMALL} (goal <= 1.5)", large / small, "x"))
        figures.append((f"filtered report list {LARGE} / {SMALL} (goal <= 1.5)", large_filtered / small_filtered, "x"))
    return figures
