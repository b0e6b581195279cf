"""Courses: the violation scan over a million sessions (BENCH_COURSE_SESSIONS to change the count).

Sessions are generated in a scratch database (COPY on PostgreSQL, bulk_create batches on SQLite) for
10,000 class groups over 10 subject-type institutions, on school days of a spring term; 1 in 50 ends at
20:45 and a few fall on Qingming or May Day, so the scan has records to write.
Figures: generation rate, scan rate (sessions/s, the whole scan: sessions, courses, class groups, record sync).
"""

from __future__ import annotations

import datetime
import os
import time

from bench import Figure, scratch_database

GROUPS = 10000


def _setup() -> list[int]:
    from decimal import Decimal

    from shuangjian.core.validators import make_resident_id, make_uscc
    from shuangjian.courses.models import ClassGroup, Course
    from shuangjian.registry.models import Institution, Site

    group_ids: list[int] = []
    for i in range(10):
        inst = Institution.objects.create(
            name=f"压测机构{i}",
            uscc=make_uscc(f"52410202{i + 9100000:08d}"),
            category="subject",
            licensed_subjects=["math"],
            legal_form="non_profit",
            legal_rep_name="张三",
            legal_rep_id=make_resident_id("41020219850101123"),
            address="开封",
            division_code="410202" if i % 2 == 0 else "410212",
            status="active",
            licence_no=f"BENCH{i}",
        )
        site = Site.objects.create(
            institution=inst,
            name="教学点",
            address="开封",
            division_code=inst.division_code,
            usable_area_m2=Decimal(200),
        )
        course = Course.objects.create(
            institution=inst,
            name="数学",
            category="subject",
            subject="math",
            format="offline",
            lesson_minutes=45,
            lesson_count=100,
            price_per_lesson_fen=5000,
            class_size_tier="medium",
            division_code=inst.division_code,
        )
        groups = ClassGroup.objects.bulk_create(
            [
                ClassGroup(course=course, name=f"班{j}", site=site, capacity=20, division_code=inst.division_code)
                for j in range(GROUPS // 10)
            ]
        )
        group_ids += [g.pk for g in groups]
    return group_ids


def _rows(group_ids: list[int], count: int, division: dict[int, str]):
    from django.utils import timezone

    per_group = count // len(group_ids) + 1
    base = datetime.date(2026, 3, 2)  # a Monday in the spring term
    n = 0
    for gid in group_ids:
        for k in range(per_group):
            if n >= count:
                return
            # School days of the spring term (Mon–Fri over 20 weeks); a few land on Qingming and May Day.
            day = base + datetime.timedelta(days=(k // 5 % 20) * 7 + (gid + k) % 5)
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
            minutes = 165 if n % 50 == 0 else 45  # 1 in 50 ends at 20:45
            yield gid, start, start + datetime.timedelta(minutes=minutes), division[gid]
            n += 1


def _insert(group_ids: list[int], count: int) -> None:
    from django.db import connection

    from shuangjian.courses.models import ClassGroup, Session

    # Read before COPY starts: the connection cannot run another query while it streams rows.
    division = dict(ClassGroup.objects.filter(pk__in=group_ids).values_list("pk", "division_code"))

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor
            with raw.copy(
                "COPY courses_session (class_group_id, external_id, starts_at, ends_at, division_code, is_cancelled)"
                " FROM STDIN"
            ) as copy:
                for gid, s, e, div in _rows(group_ids, count, division):
                    copy.write_row((gid, "", s, e, div, False))
        return
    batch: list[Session] = []
    for gid, s, e, div in _rows(group_ids, count, division):
        batch.append(Session(class_group_id=gid, starts_at=s, ends_at=e, division_code=div))
        if len(batch) >= 20000:
            Session.objects.bulk_create(batch)
            batch = []
    Session.objects.bulk_create(batch)


def run() -> list[Figure]:
    from django.db import connection

    from shuangjian.core import calendar as core_calendar
    from shuangjian.core.models import Job
    from shuangjian.courses.models import Session, ViolationRecord
    from shuangjian.courses.scan import violation_scan

    count = int(os.environ.get("BENCH_COURSE_SESSIONS", "1000000"))
    figures: list[Figure] = []
    with scratch_database():
        core_calendar.clear_cache()
        group_ids = _setup()
        start = time.perf_counter()
        _insert(group_ids, count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE courses_session")
        elapsed = time.perf_counter() - start
        total = Session.objects.count()
        figures.append((f"sessions generated ({connection.vendor}, {total})", total / elapsed, "sessions/s"))

        job = Job.objects.create(kind="courses.violation_scan")
        start = time.perf_counter()
        result = violation_scan(job=job)
        elapsed = time.perf_counter() - start
        job.refresh_from_db()
        assert job.done == total, (job.done, total)
        figures.append((f"violation scan first run ({connection.vendor}, {total})", total / elapsed, "sessions/s"))
        figures.append(("violation scan first run wall time", elapsed, "s"))
        figures.append(("violation records written", ViolationRecord.objects.count(), "records"))

        start = time.perf_counter()
        violation_scan()
        elapsed = time.perf_counter() - start
        figures.append((f"violation scan repeat ({connection.vendor}, {total})", total / elapsed, "sessions/s"))
        assert result.found == ViolationRecord.objects.filter(resolved_at__isnull=True).count()
    return figures
