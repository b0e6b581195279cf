"""Staff's and schools' part of the demo city: schools (one run by ``lt_school``), trainers with certificates at
demo institutions (some without: violations inserted bypassing the services so regulators have something to find),
a school roster naming an in-service teacher who works at the ``op_subject`` institution (flagged), and one person
on the 限制从业 list."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import User
from shuangjian.core.validators import make_resident_id
from shuangjian.registry.models import Category, Institution, InstitutionStatus, NonSubjectField, Subject
from shuangjian.schools.models import School, SchoolAdmin, SchoolKind
from shuangjian.schools.services import roster_upload

from . import rules
from .models import Employment, EmploymentRole, Person, PersonBlacklist, Qualification, QualificationKind, TeacherLevel
from .services import person_blacklist_add

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞")
SCHOOLS = {
    PRIMARY_COUNTY: [
        ("龙亭区实验小学", SchoolKind.PRIMARY),
        ("开封市第二十五中学", SchoolKind.JUNIOR),
        ("龙亭区北道门小学", SchoolKind.PRIMARY),
        ("开封高级中学", SchoolKind.SENIOR),
    ],
    SECOND_COUNTY: [("祥符区第一实验小学", SchoolKind.PRIMARY), ("祥符区城关镇初级中学", SchoolKind.JUNIOR)],
}
INSTITUTIONS_PER_COUNTY = 40
# About one trainer in twelve lacks the certificate the rules require, so the regulator's lists are not empty.
MISSING_CERT_EVERY = 12


def _name(ctx: DemoContext) -> str:
    return ctx.rng.choice(SURNAMES) + ctx.rng.choice(GIVEN) + ctx.rng.choice(("", *GIVEN))


def _rid(county: str, seq: int) -> str:
    born = datetime.date(1975, 1, 1) + datetime.timedelta(days=(seq * 37) % 9000)
    return make_resident_id(f"{county}{born:%Y%m%d}{seq % 1000:03d}")


def _xlsx(rows: list[tuple[str, str]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "身份证号"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("在职教师名单.xlsx", out.getvalue())


@register_demo_step(25, "staff.people")
def demo_staff(ctx: DemoContext) -> None:
    if Person.objects.filter(resident_id=_rid(PRIMARY_COUNTY, 1)).exists():
        ctx.log("从业人员：已存在，跳过")
        return
    schools: dict[str, list[School]] = {}
    for county, items in SCHOOLS.items():
        for i, (name, kind) in enumerate(items, start=1):
            school, _c = School.objects.get_or_create(
                code=f"2{county}{i:04d}", defaults={"name": name, "division_code": county, "kind": kind}
            )
            schools.setdefault(county, []).append(school)
    lt_school = User.objects.filter(username="lt_school").first()
    if lt_school is not None:
        SchoolAdmin.objects.update_or_create(user=lt_school, defaults={"school": schools[PRIMARY_COUNTY][0]})

    op_subject = Institution.objects.filter(operators__user__username="op_subject").first()
    op_arts = Institution.objects.filter(operators__user__username="op_arts").first()
    seq = 0
    people: list[Person] = []
    plans: list[tuple[int, Institution, str, list[str], str, bool]] = []
    for county in (PRIMARY_COUNTY, SECOND_COUNTY):
        active = Institution.objects.filter(division_code=county, status=InstitutionStatus.ACTIVE).order_by("pk")
        picked = list(active[:INSTITUTIONS_PER_COUNTY])
        for inst in (op_subject, op_arts):
            if inst is not None and inst.division_code == county and inst not in picked:
                picked.insert(0, inst)
        for inst in picked:
            for _n in range(ctx.rng.randint(2, 4)):
                seq += 1
                people.append(Person(name=_name(ctx), resident_id=_rid(county, seq), phone=f"139{seq:08d}"))
                subjects = list(inst.licensed_subjects or []) or [Subject.MATH]
                taught = [ctx.rng.choice(subjects)] if inst.category == Category.SUBJECT else []
                field = inst.field or NonSubjectField.ARTS if inst.category != Category.SUBJECT else ""
                # The demo operators' institutions stay compliant; the others occasionally are not.
                missing = seq % MISSING_CERT_EVERY == 0 and inst not in (op_subject, op_arts)
                plans.append((len(people) - 1, inst, county, taught, field, missing))
    Person.objects.bulk_create(people, batch_size=1000)
    saved = {p.resident_id: p for p in Person.objects.filter(resident_id__in=[p.resident_id for p in people])}
    employments: list[Employment] = []
    quals: list[Qualification] = []
    start = datetime.date(2025, 9, 1)
    for idx, inst, county, taught, field, missing in plans:
        person = saved[people[idx].resident_id]
        employments.append(
            Employment(
                person=person,
                institution=inst,
                role=EmploymentRole.TRAINER,
                start=start - datetime.timedelta(days=ctx.rng.randint(0, 900)),
                subjects=taught,
                field=field,
                division_code=inst.division_code,
                external_id=f"T{idx + 1:05d}",
            )
        )
        if missing:
            continue
        if taught:
            quals.append(
                Qualification(
                    person=person,
                    kind=QualificationKind.TEACHER_CERTIFICATE,
                    number=f"{ctx.rng.randint(2005, 2024)}{county}{idx:07d}",
                    subject=taught[0],
                    level=ctx.rng.choice((TeacherLevel.PRIMARY, TeacherLevel.JUNIOR, TeacherLevel.SENIOR)),
                )
            )
        else:
            quals.append(
                Qualification(
                    person=person,
                    kind=QualificationKind.PROFESSIONAL,
                    number=f"ZY{county}{idx:07d}",
                    field=field,
                    name={"sports": "社会体育指导员证", "science": "青少年科技辅导员证"}.get(
                        field, "艺术类专业资格证书"
                    ),
                )
            )
    Employment.objects.bulk_create(employments, batch_size=1000)
    Qualification.objects.bulk_create(quals, batch_size=1000)

    # The roster of lt_school's school: a few in-service teachers, one of whom already trains at op_subject's
    # institution — uploading it through the service flags that employment exactly as a real upload would.
    roster_rows = [(_name(ctx), _rid(PRIMARY_COUNTY, 5000 + i)) for i in range(6)]
    moonlighter = next((e for e in employments if op_subject is not None and e.institution_id == op_subject.pk), None)
    if moonlighter is not None:
        roster_rows.append((moonlighter.person.name, moonlighter.person.resident_id))
    flagged = 0
    if lt_school is not None:
        result = roster_upload(actor=lt_school, school=schools[PRIMARY_COUNTY][0], file=_xlsx(roster_rows))
        flagged = len(result.flagged)

    publisher = User.objects.filter(username="lt_edu").first()
    barred = next(
        (
            e
            for e in employments
            if e.division_code == PRIMARY_COUNTY and e.institution not in (op_subject, op_arts) and e.subjects
        ),
        None,
    )
    if publisher is not None and barred is not None:
        # Barred after being hired: the service flags the employment for the regulator, as in real life.
        person_blacklist_add(
            actor=publisher,
            resident_id=barred.person.resident_id,
            name=barred.person.name,
            reason="在职期间违规组织学科类培训，被处以限制从业",
            start=datetime.date(2026, 6, 1),
            end=datetime.date(2029, 5, 31),
        )
    if publisher is not None:
        PersonBlacklist.objects.create(
            resident_id=_rid(PRIMARY_COUNTY, 9001),
            name="钱某某",
            reason="组织在职教师有偿补课，情节严重",
            legal_basis=str(rules.BASIS_BLACKLIST),
            start=datetime.date(2025, 3, 1),
            end=datetime.date(2028, 2, 28),
            publisher=publisher,
            division_code=PRIMARY_COUNTY,
        )
    missing_n = sum(1 for p in plans if p[5])
    ctx.log(
        f"从业人员：{len(people)} 人（缺少相应证书 {missing_n} 人），学校 {sum(len(v) for v in schools.values())} 所，"
        f"在职教师名单比对发现 {flagged} 人"
    )
