"""The periodic violation scan: stored records that break a rule now (after a calendar, price or licence change).

Runs the same pure rules as the services over every session, course and class group, reading plain values
in chunks (``values()`` + ``iterator()``), and keeps one ``ViolationRecord`` per (object, rule): new ones are
added, ones found again get ``last_seen``, ones no longer found get ``resolved_at``. Progress goes to a
``core.models.Job`` so a person can watch a scan over millions of sessions.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from shuangjian.core.models import Job, JobStatus
from shuangjian.core.rules import Violation
from shuangjian.registry.models import Institution, Site
from shuangjian.registry.rules import site_capacity

from . import rules
from .calendar import school_calendar
from .models import ClassGroup, Course, GuidancePrice, Session, ViolationRecord

CHUNK = 5000

Found = dict[tuple[str, int, str], tuple[Violation, str, int]]  # (type, id, code) -> (violation, division, inst)


@dataclass
class ScanResult:
    scanned: int = 0
    found: int = 0
    new: int = 0
    resolved: int = 0
    by_code: dict[str, int] = field(default_factory=dict)


def _cached_calendar() -> rules.SchoolCalendar:
    """The real calendar with per-scan memo tables: a million sessions touch only a few hundred dates."""
    base = school_calendar()
    return rules.SchoolCalendar(
        is_rest_day=functools.lru_cache(maxsize=None)(base.is_rest_day),
        is_national_holiday=functools.lru_cache(maxsize=None)(base.is_national_holiday),
        vacation_on=functools.lru_cache(maxsize=None)(base.vacation_on),
    )


def _sessions(prefix: str) -> Iterator[Any]:
    qs = (
        Session.objects.filter(is_cancelled=False, division_code__startswith=prefix)
        .order_by("class_group_id", "starts_at")
        .values(
            "id",
            "starts_at",
            "ends_at",
            "division_code",
            "class_group_id",
            "class_group__course__format",
            "class_group__course__category",
            "class_group__course__institution_id",
        )
    )
    return qs.iterator(chunk_size=CHUNK)


def scan_sessions(
    prefix: str, found: Found, progress: Callable[[int], None], calendar: rules.SchoolCalendar | None = None
) -> int:
    """Time, calendar and break rules over every live session under ``prefix``; returns how many were read."""
    calendar = calendar or _cached_calendar()
    tz = timezone.get_default_timezone()
    count = 0
    prev_group: int | None = None
    prev_span: tuple[datetime.datetime, datetime.datetime] | None = None
    for row in _sessions(prefix):
        count += 1
        facts = rules.SessionFacts(
            starts_at=row["starts_at"].astimezone(tz),
            ends_at=row["ends_at"].astimezone(tz),
            format=row["class_group__course__format"],
            category=row["class_group__course__category"],
            division_code=row["division_code"],
        )
        neighbours = [prev_span] if prev_group == row["class_group_id"] and prev_span is not None else []
        for v in rules.check_session(facts, calendar, neighbours):
            found[("session", row["id"], v.code)] = (
                v,
                row["division_code"],
                row["class_group__course__institution_id"],
            )
        prev_group, prev_span = row["class_group_id"], (facts.starts_at, facts.ends_at)
        if count % CHUNK == 0:
            progress(count)
    progress(count)
    return count


def scan_courses(prefix: str, found: Found) -> int:
    """Shape, licence and price rules over every course on sale under ``prefix``."""
    institutions = {
        pk: rules.InstitutionFacts(status, category, fld, tuple(subjects or ()))
        for pk, status, category, fld, subjects in Institution.objects.filter(
            division_code__startswith=prefix
        ).values_list("id", "status", "category", "field", "licensed_subjects")
    }
    prices = _price_table()
    count = 0
    rows = Course.objects.filter(is_active=True, division_code__startswith=prefix).values(
        "id",
        "institution_id",
        "category",
        "subject",
        "field",
        "format",
        "lesson_minutes",
        "price_per_lesson_fen",
        "class_size_tier",
        "division_code",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        count += 1
        facts = rules.CourseFacts(
            category=row["category"],
            subject=row["subject"],
            field=row["field"],
            format=row["format"],
            lesson_minutes=row["lesson_minutes"],
            price_per_lesson_fen=row["price_per_lesson_fen"],
            class_size_tier=row["class_size_tier"],
            division_code=row["division_code"],
        )
        institution = institutions.get(row["institution_id"])
        if institution is None:
            continue
        benchmark = prices(row["division_code"], row["class_size_tier"], rules.format_kind(row["format"]))
        for v in rules.check_course(facts, institution, benchmark):
            found[("course", row["id"], v.code)] = (v, row["division_code"], row["institution_id"])
    return count


def _price_table() -> Callable[[str, str, str], int | None]:
    today = timezone.localdate()
    table: dict[tuple[str, str, str], tuple[datetime.date, int]] = {}
    for code, tier, fmt, start, fen in GuidancePrice.objects.filter(effective_from__lte=today).values_list(
        "division_code", "class_size_tier", "format", "effective_from", "benchmark_fen"
    ):
        key = (code, tier, fmt)
        if key not in table or table[key][0] < start:
            table[key] = (start, fen)

    def lookup(division_code: str, tier: str, fmt: str) -> int | None:
        for n in (6, 4, 2):
            hit = table.get((division_code[:n], tier, fmt))
            if hit:
                return hit[1]
        return None

    return lookup


def scan_class_groups(prefix: str, found: Found) -> int:
    """Class-size rules (site area, price tier, enrolments) over every class group under ``prefix``."""
    sites = {
        pk: (inst, area, active)
        for pk, inst, area, active in Site.objects.filter(division_code__startswith=prefix).values_list(
            "id", "institution_id", "usable_area_m2", "is_active"
        )
    }
    count = 0
    rows = ClassGroup.objects.filter(division_code__startswith=prefix).values(
        "id",
        "capacity",
        "enrolled_count",
        "site_id",
        "division_code",
        "course__class_size_tier",
        "course__format",
        "course__institution_id",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        count += 1
        site = sites.get(row["site_id"]) if row["site_id"] else None
        facts = rules.ClassGroupFacts(
            capacity=row["capacity"],
            enrolled_count=row["enrolled_count"],
            class_size_tier=row["course__class_size_tier"],
            course_format=row["course__format"],
            site_capacity=site_capacity(site[1]) if site else None,
            site_belongs_to_institution=site is None or (site[0] == row["course__institution_id"] and site[2]),
        )
        for v in rules.check_class_group(facts):
            found[("class_group", row["id"], v.code)] = (v, row["division_code"], row["course__institution_id"])
    return count


def _sync_records(prefix: str, found: Found, result: ScanResult) -> None:
    """Bring ``ViolationRecord`` in line with what this scan found under ``prefix``."""
    now = timezone.now()
    open_records = {
        (t, oid, code): pk
        for pk, t, oid, code in ViolationRecord.objects.filter(
            division_code__startswith=prefix, resolved_at__isnull=True
        ).values_list("id", "object_type", "object_id", "code")
    }
    seen_again = [pk for key, pk in open_records.items() if key in found]
    gone = [pk for key, pk in open_records.items() if key not in found]
    fresh = [key for key in found if key not in open_records]
    with transaction.atomic():
        for start in range(0, len(seen_again), CHUNK):
            ViolationRecord.objects.filter(pk__in=seen_again[start : start + CHUNK]).update(last_seen=now)
        for start in range(0, len(gone), CHUNK):
            ViolationRecord.objects.filter(pk__in=gone[start : start + CHUNK]).update(resolved_at=now)
        # A record that was resolved and breaks the rule again is reopened (the unique key is per object and rule).
        reopened = 0
        new_rows = []
        for key in fresh:
            v, division, inst = found[key]
            new_rows.append(
                ViolationRecord(
                    code=v.code,
                    message=v.message,
                    basis=v.basis,
                    object_type=key[0],
                    object_id=key[1],
                    division_code=division,
                    institution_id=inst,
                    first_seen=now,
                    last_seen=now,
                )
            )
        for start in range(0, len(new_rows), CHUNK):
            batch = new_rows[start : start + CHUNK]
            existing = {
                (t, oid, code): pk
                for pk, t, oid, code in ViolationRecord.objects.filter(
                    object_id__in=[r.object_id for r in batch], resolved_at__isnull=False
                ).values_list("id", "object_type", "object_id", "code")
            }
            to_create = []
            for record in batch:
                pk = existing.get((record.object_type, record.object_id, record.code))
                if pk:
                    ViolationRecord.objects.filter(pk=pk).update(
                        resolved_at=None, first_seen=now, last_seen=now, message=record.message, basis=record.basis
                    )
                    reopened += 1
                else:
                    to_create.append(record)
            # A concurrent scan (beat and a "scan now") may have added the same record: keep the first.
            ViolationRecord.objects.bulk_create(to_create, ignore_conflicts=True)
    result.new = len(fresh)
    result.resolved = len(gone)


def violation_scan(*, job: Job | None = None, prefix: str = "") -> ScanResult:
    """Scan every session, course and class group under ``prefix`` ("" = everything) and update the records."""
    result = ScanResult()
    found: Found = {}
    if job is not None:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            total=Session.objects.filter(is_cancelled=False, division_code__startswith=prefix).count(),
        )

    def progress(done: int) -> None:
        if job is not None:
            Job.objects.filter(pk=job.pk).update(done=done)

    try:
        result.scanned += scan_courses(prefix, found)
        result.scanned += scan_class_groups(prefix, found)
        result.scanned += scan_sessions(prefix, found, progress)
        _sync_records(prefix, found, result)
    except Exception as exc:
        if job is not None:
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
            )
        raise
    result.found = len(found)
    by_code: dict[str, int] = {}
    for _t, _id, code in found:
        by_code[code] = by_code.get(code, 0) + 1
    result.by_code = by_code
    if job is not None:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED,
            finished_at=timezone.now(),
            result={
                "scanned": result.scanned,
                "found": result.found,
                "new": result.new,
                "resolved": result.resolved,
                "by_code": by_code,
            },
        )
    return result
