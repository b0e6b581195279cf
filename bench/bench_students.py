"""Students: enrolment writes (contract number, capacity lock, overlap check, audit), attendance, overlap sweep.

A scratch database holds one institution with 40 class groups of 20 weekly sessions each; every pupil is
enrolled in two class groups, so the second enrolment checks 20 × 20 session pairs for clashes.
"""

from __future__ import annotations

import datetime
import random
import time

from bench import Figure, scratch_database

GROUPS = 40
PUPILS = 300


def run() -> list[Figure]:
    from decimal import Decimal

    from django.utils import timezone

    from shuangjian.core.models import Role, User
    from shuangjian.core.validators import make_resident_id, make_uscc
    from shuangjian.courses.models import ClassGroup, Course, Session
    from shuangjian.registry.models import Institution, InstitutionOperator, Site
    from shuangjian.students.models import EnrolmentStatus
    from shuangjian.students.rules import Interval, overlapping_pairs
    from shuangjian.students.services import StudentData, attendance_record, enrolment_create

    figures: list[Figure] = []
    rng = random.Random(2026)
    base = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)
    mine = [Interval(base + datetime.timedelta(minutes=rng.randrange(500_000)), base, "") for _ in range(10_000)]
    mine = [Interval(i.starts_at, i.starts_at + datetime.timedelta(minutes=45), "") for i in mine]
    others = [
        Interval(i.starts_at + datetime.timedelta(minutes=50), i.ends_at + datetime.timedelta(minutes=50), "")
        for i in mine
    ]
    start = time.perf_counter()
    overlapping_pairs(mine, others)
    figures.append(("students overlap sweep, 10k × 10k sessions", (time.perf_counter() - start) * 1000, "ms"))

    with scratch_database():
        inst = Institution.objects.create(
            name="压测机构",
            uscc=make_uscc("52410202" + "09200001"),
            category="subject",
            licensed_subjects=["math"],
            legal_form="non_profit",
            legal_rep_name="张三",
            legal_rep_id=make_resident_id("41020219850101123"),
            address="开封",
            division_code="410202",
            status="active",
            licence_no="BENCH-STU",
        )
        site = Site.objects.create(
            institution=inst, name="教学点", address="开封", division_code="410202", usable_area_m2=Decimal(300)
        )
        operator = User.objects.create(username="bench_op", role=Role.INSTITUTION_OPERATOR)
        InstitutionOperator.objects.create(user=operator, institution=inst)
        course = Course.objects.create(
            institution=inst,
            name="数学",
            category="subject",
            subject="math",
            format="offline",
            lesson_minutes=45,
            lesson_count=20,
            price_per_lesson_fen=5000,
            class_size_tier="medium",
            division_code="410202",
        )
        groups = []
        now = timezone.now()
        for g in range(GROUPS):
            group = ClassGroup.objects.create(
                course=course, name=f"班{g}", site=site, capacity=PUPILS, division_code="410202"
            )
            first = now - datetime.timedelta(days=7 * 10) + datetime.timedelta(hours=g * 2)
            Session.objects.bulk_create(
                Session(
                    class_group=group,
                    starts_at=first + datetime.timedelta(days=7 * w),
                    ends_at=first + datetime.timedelta(days=7 * w, minutes=45),
                    division_code="410202",
                )
                for w in range(20)
            )
            groups.append(group)
        today = timezone.localdate()
        enrolments = []
        start = time.perf_counter()
        for n in range(PUPILS):
            pupil = StudentData(name=f"学生{n}", resident_id=make_resident_id(f"41020220150101{n:03d}"))
            for group in rng.sample(groups, 2):
                enrolments.append(
                    enrolment_create(
                        actor=operator,
                        class_group=group,
                        student=pupil,
                        start_date=today,
                        end_date=today + datetime.timedelta(days=140),
                        lessons_bought=20,
                        price_per_lesson_fen=5000,
                    )
                )
        elapsed = time.perf_counter() - start
        figures.append(("students enrolment_create", len(enrolments) / elapsed, "enrolments/s"))
        for e in enrolments:
            e.status = EnrolmentStatus.ACTIVE
        type(enrolments[0]).objects.filter(pk__in=[e.pk for e in enrolments]).update(status=EnrolmentStatus.ACTIVE)
        past = {g.pk: list(Session.objects.filter(class_group=g, starts_at__lt=now)[:3]) for g in groups}
        count = 0
        start = time.perf_counter()
        for e in enrolments[:300]:
            for s in past[e.class_group_id]:
                attendance_record(actor=operator, session=s, enrolment=e, present=True)
                count += 1
        figures.append(("students attendance_record", count / (time.perf_counter() - start), "records/s"))
    return figures
