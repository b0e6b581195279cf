"""Students' part of the demo city: pupils in 410202/410212, the demo parent's two children, enrolments, attendance.

Runs after the courses step (order 30) that creates class groups and sessions; with none on record it does nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY, demo_user
from shuangjian.core.models import Role, User
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.validators import make_resident_id
from shuangjian.courses.models import ClassGroup, Session
from shuangjian.registry.models import InstitutionOperator
from shuangjian.schools.models import School

from .models import Enrolment, EnrolmentStatus, Guardianship
from .services import StudentData, attendance_record, contract_confirm, enrolment_create

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "子涵",
    "欣怡",
    "梓轩",
    "浩然",
    "一诺",
    "雨桐",
    "宇航",
    "思远",
    "可馨",
    "俊杰",
    "诗琪",
    "明轩",
    "佳怡",
    "博文",
    "若曦",
]
PUPILS_PER_COUNTY = 30
MAX_ATTENDED_SESSIONS = 6
COUNTY_NAMES = {PRIMARY_COUNTY: "龙亭区", SECOND_COUNTY: "祥符区"}


# Compulsory-education grades (1-9) each kind of school teaches: a 小学 has no 八年级, a 高级中学 no 五年级.
GRADES_BY_KIND: dict[str, range] = {
    "primary": range(1, 7),
    "junior": range(7, 10),
    "nine_year": range(1, 10),
    "complete": range(7, 10),
    "senior": range(0),
}
GRADE_NAMES = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]


def _schools(county: str) -> list[tuple[str, str, str]]:
    """(code, name, kind) of schools in the county from the schools app when it has them, plus stand-ins of each
    stage so every pupil has a school of their own stage."""
    rows = list(School.objects.filter(division_code=county).order_by("code").values_list("code", "name", "kind")[:6])
    name = COUNTY_NAMES.get(county, county)
    stand_ins = [(f"{county}S01", f"{name}第一实验小学", "primary"), (f"{county}S02", f"{name}第一初级中学", "junior")]
    return [(str(c), str(n), str(k)) for c, n, k in rows] + stand_ins


def _grade_number(born: datetime.date) -> int:
    age = timezone.localdate().year - born.year
    return max(1, min(9, age - 6))


def _grade(born: datetime.date) -> str:
    return GRADE_NAMES[_grade_number(born) - 1] + "年级"


def _school_for(grade: int, seq: int, schools: list[tuple[str, str, str]]) -> tuple[str, str]:
    """A school that teaches ``grade`` (the stand-ins guarantee one), chosen by ``seq`` among those that do."""
    fitting = [(c, n) for c, n, kind in schools if grade in GRADES_BY_KIND.get(kind, range(0))]
    return fitting[seq % len(fitting)]


def _pupil(ctx: DemoContext, county: str, seq: int, schools: list[tuple[str, str, str]]) -> StudentData:
    born = datetime.date(ctx.rng.randint(2011, 2018), ctx.rng.randint(1, 12), ctx.rng.randint(1, 28))
    school_code, school_name = _school_for(_grade_number(born), seq, schools)
    return StudentData(
        name=ctx.rng.choice(SURNAMES) + ctx.rng.choice(GIVEN),
        resident_id=make_resident_id(f"{county}{born:%Y%m%d}{seq:03d}"),
        grade=_grade(born),
        school_name=school_name,
        school_code=school_code,
    )


def _enrol(actor: User, group: ClassGroup, pupil: StudentData, span: dict[str, Any]) -> Enrolment | None:
    course = group.course
    start = timezone.localdate(span["first"]) if span.get("first") else timezone.localdate()
    end = timezone.localdate(span["last"]) if span.get("last") else start + datetime.timedelta(days=90)
    try:
        return enrolment_create(
            actor=actor,
            class_group=group,
            student=pupil,
            start_date=start,
            end_date=max(start, end),
            lessons_bought=max(1, min(course.lesson_count, 20)),
            price_per_lesson_fen=course.price_per_lesson_fen,
        )
    except RuleViolationError:  # full class or a clash with the pupil's other class: skip, as an operator would
        return None


@register_demo_step(40, "students.enrolments")
def build_students(ctx: DemoContext) -> None:
    if Enrolment.objects.filter(division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY)).exists():
        ctx.log("学员：已有报名，跳过")
        return
    operators = {
        link.institution_id: link.user
        for link in InstitutionOperator.objects.select_related("user").filter(
            institution__division_code__in=(PRIMARY_COUNTY, SECOND_COUNTY)
        )
    }
    groups_by_county: dict[str, list[ClassGroup]] = {PRIMARY_COUNTY: [], SECOND_COUNTY: []}
    for group in (
        ClassGroup.objects.select_related("course", "course__institution")
        .filter(division_code__in=groups_by_county.keys(), course__is_active=True)
        .order_by("pk")
    ):
        institution = group.course.institution
        if institution.pk not in operators:
            # Enrolments are written by an institution's operator; give the unmanned demo institutions one.
            user = demo_user(
                ctx,
                f"op_demo{institution.pk}",
                Role.INSTITUTION_OPERATOR,
                f"{institution.name} 管理员",
                institution=institution.name,
                record=False,
            )
            InstitutionOperator.objects.get_or_create(user=user, defaults={"institution": institution})
            operators[institution.pk] = user
        groups_by_county[group.division_code].append(group)
    if not any(groups_by_county.values()):
        ctx.log("学员：没有可报名的班级（课程步骤未生成班级或机构无管理员账号），跳过")
        return
    spans = {
        row["class_group_id"]: row
        for row in Session.objects.filter(class_group__division_code__in=groups_by_county.keys())
        .values("class_group_id")
        .annotate(first=Min("starts_at"), last=Max("ends_at"))
    }
    parent = User.objects.filter(username="parent").first()
    other_parents = [
        demo_user(ctx, f"parent{n}", Role.PARENT, f"家长 {ctx.rng.choice(SURNAMES)}先生", record=n == 2)
        for n in range(2, 12)
    ]
    created: list[Enrolment] = []
    for county, groups in groups_by_county.items():
        if not groups:
            continue
        schools = _schools(county)
        for seq in range(1, PUPILS_PER_COUNTY + 1):
            pupil = _pupil(ctx, county, seq, schools)
            for group in ctx.rng.sample(groups, k=min(len(groups), ctx.rng.choice((1, 1, 2)))):
                operator = operators[group.course.institution_id]
                enrolment = _enrol(operator, group, pupil, spans.get(group.pk, {}))
                if enrolment is not None:
                    created.append(enrolment)
    # The demo parent: two children, one contract confirmed, one waiting for confirmation.
    children: list[int] = []
    for enrolment in created:
        if enrolment.division_code == PRIMARY_COUNTY and enrolment.student_id not in children:
            children.append(enrolment.student_id)
        if len(children) == 2:
            break
    pending_for_parent: set[int] = set()
    if parent is not None:
        for n, student_id in enumerate(children):
            Guardianship.objects.get_or_create(parent=parent, student_id=student_id)
            if n == 1:
                pending_for_parent |= {e.pk for e in created if e.student_id == student_id}
    # Other parents bind the remaining children; most confirm their contracts.
    guardians: dict[int, User] = {sid: parent for sid in children if parent is not None}
    for n, enrolment in enumerate(created):
        sid = enrolment.student_id
        if sid not in guardians:
            guardians[sid] = other_parents[n % len(other_parents)]
            Guardianship.objects.get_or_create(parent=guardians[sid], student_id=sid)
    confirmed = 0
    for enrolment in created:
        if enrolment.pk in pending_for_parent or (enrolment.student_id not in children and ctx.rng.random() < 0.15):
            continue
        contract_confirm(actor=guardians[enrolment.student_id], enrolment=enrolment)
        enrolment.status = EnrolmentStatus.ACTIVE
        confirmed += 1
    attended = _attendance(ctx, created, operators)
    ctx.log(
        f"学员：{len({e.student_id for e in created})} 人，报名 {len(created)} 项（已确认合同 {confirmed}），"
        f"考勤 {attended} 条；家长 parent 绑定 {len(children)} 个孩子"
    )


def _attendance(ctx: DemoContext, enrolments: list[Enrolment], operators: dict[int, User]) -> int:
    now = timezone.now()
    past: dict[int, list[Session]] = {}
    for session in Session.objects.filter(
        class_group_id__in={e.class_group_id for e in enrolments}, is_cancelled=False, starts_at__lt=now
    ).order_by("starts_at"):
        past.setdefault(session.class_group_id, []).append(session)
    count = 0
    for enrolment in enrolments:
        if enrolment.status != EnrolmentStatus.ACTIVE:
            continue
        operator = operators[enrolment.institution_id]
        sessions = past.get(enrolment.class_group_id, [])
        for session in sessions[: min(MAX_ATTENDED_SESSIONS, enrolment.lessons_bought)]:
            try:
                attendance_record(actor=operator, session=session, enrolment=enrolment, present=ctx.rng.random() < 0.9)
            except RuleViolationError:
                continue
            count += 1
    return count
