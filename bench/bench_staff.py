"""Staff: the in-service roster cross-check at county scale, and employment writes with every rule checked.

A scratch database holds 20,000 current employments (200 institutions); a school district uploads a roster of
5,000 teachers of whom 100 moonlight at those institutions. Figures: roster upload (parse every row, validate,
import, find and flag the 100, audit) and employment_create per second (the roster, black list and certificate
checks run on each write).
"""

from __future__ import annotations

import datetime
import io
import time

from bench import Figure, scratch_database

INSTITUTIONS = 200
PER_INSTITUTION = 100
ROSTER = 5000
MOONLIGHTERS = 100
WRITES = 200


def _rid(n: int) -> str:
    from shuangjian.core.validators import make_resident_id

    # One birth date per thousand numbers and the sequence part within it: unique for n < 18 million.
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000)
    return make_resident_id(f"410202{born:%Y%m%d}{n % 1000:03d}")


def run() -> list[Figure]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from shuangjian.core.models import Role, User
    from shuangjian.core.validators import make_uscc
    from shuangjian.registry.models import Institution, InstitutionOperator
    from shuangjian.schools.models import School, SchoolAdmin
    from shuangjian.schools.services import roster_upload
    from shuangjian.staff.models import Employment, Person
    from shuangjian.staff.services import EmploymentData, QualificationData, employment_create

    figures: list[Figure] = []
    with scratch_database():
        institutions = Institution.objects.bulk_create(
            [
                Institution(
                    name=f"压测机构{i}",
                    uscc=make_uscc(f"52410202{9300000 + i:08d}"),
                    category="subject",
                    licensed_subjects=["math"],
                    legal_form="non_profit",
                    legal_rep_name="张三",
                    legal_rep_id=_rid(900_000 + i),
                    address="开封",
                    division_code="410202",
                    status="active",
                    licence_no=f"BENCH-STAFF-{i}",
                )
                for i in range(INSTITUTIONS)
            ]
        )
        n_people = INSTITUTIONS * PER_INSTITUTION
        ids = [_rid(n) for n in range(n_people)]
        Person.objects.bulk_create([Person(name=f"教师{n}", resident_id=r) for n, r in enumerate(ids)], batch_size=5000)
        people = list(Person.objects.order_by("pk"))
        start_day = datetime.date(2025, 9, 1)
        Employment.objects.bulk_create(
            [
                Employment(
                    person=p,
                    institution=institutions[n % INSTITUTIONS],
                    role="trainer",
                    start=start_day,
                    subjects=["math"],
                    division_code="410202",
                )
                for n, p in enumerate(people)
            ],
            batch_size=5000,
        )
        school = School.objects.create(name="压测学区", code="BENCH0001", division_code="410202")
        admin = User.objects.create(username="bench_school", role=Role.SCHOOL_ADMIN, scope_code="410202")
        SchoolAdmin.objects.create(user=admin, school=school)
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["姓名", "身份证号"])
        for p in people[:MOONLIGHTERS]:
            ws.append([p.name, p.resident_id])
        for n in range(ROSTER - MOONLIGHTERS):
            ws.append([f"在编{n}", _rid(3_000_000 + n)])
        out = io.BytesIO()
        wb.save(out)
        file = SimpleUploadedFile("roster.xlsx", out.getvalue())
        began = time.perf_counter()
        result = roster_upload(actor=admin, school=school, file=file)
        elapsed = time.perf_counter() - began
        assert len(result.flagged) == MOONLIGHTERS, len(result.flagged)
        figures.append(
            (f"staff roster upload, {ROSTER} rows vs {n_people} employments ({MOONLIGHTERS} flagged)", elapsed, "s")
        )

        operator = User.objects.create(username="bench_op", role=Role.INSTITUTION_OPERATOR)
        InstitutionOperator.objects.create(user=operator, institution=institutions[0])
        fresh = [_rid(5_000_000 + n) for n in range(WRITES)]
        began = time.perf_counter()
        for n, r in enumerate(fresh):
            employment_create(
                actor=operator,
                data=EmploymentData(
                    resident_id=r,
                    name=f"新教师{n}",
                    start=start_day,
                    subjects=("math",),
                    qualifications=(QualificationData("teacher_certificate", f"B{n}", subject="math", level="junior"),),
                ),
            )
        figures.append(("staff employment_create with all checks", len(fresh) / (time.perf_counter() - began), "/s"))
    return figures
