"""Every write of the courses app, and the ``check_<kind>`` functions the compliance endpoint shares with them.

One code path: ``course_create`` refuses with every violation ``course_violations`` returns;
``check_course(*, actor, data)`` (what ``POST /api/v1/compliance/check`` calls) answers the same list for the
operator's institution without saving. The same holds for class groups and sessions. Facts are built from the
database here; the rules themselves (``courses/rules.py``, ``staff/rules.py``) are pure.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuangjian.core import access
from shuangjian.core.access import lock_in_scope_or_404
from shuangjian.core.audit import audit_record
from shuangjian.core.models import Job, User
from shuangjian.core.permissions import can, require
from shuangjian.core.rules import RuleViolationError, Violation, raise_if_any
from shuangjian.core.uploads import check_upload
from shuangjian.registry.labels import subject_label
from shuangjian.registry.models import Category, Institution, NonSubjectField, Site, Subject
from shuangjian.registry.rules import site_capacity
from shuangjian.staff import rules as staff_rules
from shuangjian.staff.models import Employment, Person
from shuangjian.staff.selectors import active_blacklist_ids, in_service_schools

from . import rules
from .calendar import school_calendar
from .hooks import session_checks
from .models import (
    ClassGroup,
    ClassSizeTier,
    Course,
    CourseFormat,
    CourseMaterial,
    FilingStatus,
    GuidancePrice,
    Session,
    ViolationRecord,
)
from .tasks import violation_scan_task


def operator_institution(actor: User) -> Institution:
    """The institution an operator manages; anyone else gets a 404 (writes here are operators' only)."""
    institution: Institution | None = access.operator_institution(actor)
    if institution is None:
        raise Http404
    return institution


def _aware(dt: datetime.datetime) -> datetime.datetime:
    return dt if timezone.is_aware(dt) else timezone.make_aware(dt)


# Dates a schedule may use: anything else is a typing mistake (and keeps date arithmetic far from year 9999).
SCHEDULE_YEARS = range(2000, 2100)
EXTERNAL_ID_MAX = 64


def validate_external_id(external_id: str) -> None:
    if len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationError({"external_id": _("机构系统编号不得超过 64 个字符。")})


def validate_span(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if starts_at.year not in SCHEDULE_YEARS or ends_at.year not in SCHEDULE_YEARS:
        raise ValidationError({"starts_at": _("上课时间须在 2000 年至 2099 年之间。")})


# --- guidance prices ------------------------------------------------------------------------------------------


def guidance_benchmark(
    *, division_code: str, class_size_tier: str, course_format: str, on: datetime.date | None = None
) -> GuidancePrice | None:
    """The benchmark in force: longest division prefix of the county, then latest effective_from ≤ ``on``."""
    on = on or timezone.localdate()
    prefixes = [division_code[:n] for n in (6, 4, 2) if len(division_code) >= n]
    rows = list(
        GuidancePrice.objects.filter(
            division_code__in=prefixes,
            class_size_tier=class_size_tier,
            format=rules.format_kind(course_format),
            effective_from__lte=on,
        ).order_by("-effective_from")
    )
    for prefix in prefixes:
        for row in rows:
            if row.division_code == prefix:
                return row
    return None


@transaction.atomic
def guidance_price_set(
    *,
    actor: User,
    division_code: str,
    class_size_tier: str,
    price_format: str,
    benchmark_fen: int,
    effective_from: datetime.date,
    document_no: str = "",
) -> GuidancePrice:
    """A province or city regulator sets (or corrects) a benchmark for its own division."""
    require(actor, "courses.view_guidance_prices")
    if len(division_code) not in (2, 4) or not division_code.isdigit():
        raise RuleViolationError(
            [Violation("guidance_price.division", _("指导价须按省（2 位）或市（4 位）区划设定。"), "", "division_code")]
        )
    if not can(actor, "courses.set_guidance_price", division_code):
        # A refusal the form can show, not a bare 403: the page itself stays open to every county regulator.
        raise RuleViolationError(
            [
                Violation(
                    "guidance_price.scope",
                    _("政府指导价由制定该价格的省、市教育行政部门维护；您只能查看。"),
                    "",
                    "division_code",
                )
            ]
        )
    if benchmark_fen <= 0:
        raise RuleViolationError([Violation("guidance_price.amount", _("基准价须大于 0。"), "", "benchmark_fen")])
    existing = (
        GuidancePrice.objects.select_for_update()
        .filter(
            division_code=division_code,
            class_size_tier=class_size_tier,
            format=price_format,
            effective_from=effective_from,
        )
        .first()
    )
    before = {"benchmark_fen": existing.benchmark_fen} if existing else None
    row, _created = GuidancePrice.objects.update_or_create(
        division_code=division_code,
        class_size_tier=class_size_tier,
        format=price_format,
        effective_from=effective_from,
        defaults={"benchmark_fen": benchmark_fen, "document_no": document_no, "created_by": actor},
    )
    audit_record(
        actor=actor,
        action="guidance_price.set",
        obj=row,
        division_code=division_code,
        before=before,
        after={
            "tier": class_size_tier,
            "format": price_format,
            "benchmark_fen": benchmark_fen,
            "effective_from": effective_from.isoformat(),
            "document_no": document_no,
        },
    )
    return row


# --- courses --------------------------------------------------------------------------------------------------


@dataclass
class CourseData:
    name: str
    category: str
    format: str
    lesson_minutes: int
    lesson_count: int
    price_per_lesson_fen: int
    class_size_tier: str
    subject: str = ""
    field: str = ""
    grades: list[str] = dc_field(default_factory=list)
    description: str = ""
    external_id: str = ""


def institution_facts(institution: Institution) -> rules.InstitutionFacts:
    return rules.InstitutionFacts(
        status=institution.status,
        category=institution.category,
        field=institution.field,
        licensed_subjects=tuple(institution.licensed_subjects or ()),
    )


def course_facts(data: CourseData, division_code: str) -> rules.CourseFacts:
    return rules.CourseFacts(
        category=data.category,
        subject=data.subject if data.category == rules.SUBJECT else "",
        field=data.field if data.category != rules.SUBJECT else "",
        format=data.format,
        lesson_minutes=data.lesson_minutes,
        price_per_lesson_fen=data.price_per_lesson_fen,
        class_size_tier=data.class_size_tier,
        division_code=division_code,
        subject_label=subject_label(data.subject) if data.category == rules.SUBJECT else "",
    )


def validate_course_data(data: CourseData) -> None:
    """Choices and blanks, before any rule runs: a ValidationError (422 validation_error), not a violation."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("请填写课程名称。")
    if data.category not in Category.values:
        errors["category"] = _("类别无效。")
    if data.subject and data.subject not in Subject.values:
        errors["subject"] = _("学科无效。")
    if data.field and data.field not in NonSubjectField.values:
        errors["field"] = _("领域无效。")
    if data.format not in CourseFormat.values:
        errors["format"] = _("授课形式无效。")
    if data.class_size_tier not in ClassSizeTier.values:
        errors["class_size_tier"] = _("班额档次无效。")
    if data.lesson_minutes <= 0 or data.lesson_count <= 0 or data.price_per_lesson_fen < 0:
        errors["lesson_minutes"] = _("课时长、课时数须为正数，价格不得为负。")
    if errors:
        raise ValidationError(errors)


def course_violations(*, institution: Institution, data: CourseData) -> list[Violation]:
    """Every violation a course with this data would have at this institution (nothing is saved).

    Malformed data (unknown choices) raises ``ValidationError`` instead.
    """
    validate_course_data(data)
    facts = course_facts(data, institution.division_code)
    benchmark = guidance_benchmark(
        division_code=institution.division_code, class_size_tier=data.class_size_tier, course_format=data.format
    )
    return rules.check_course(facts, institution_facts(institution), benchmark.benchmark_fen if benchmark else None)


def check_course(*, actor: User, data: CourseData) -> list[Violation]:
    """Every violation ``course_create`` would refuse this course with, for the operator's institution (no write)."""
    return course_violations(institution=operator_institution(actor), data=data)


def _course_snapshot(course: Course) -> dict[str, Any]:
    return {
        "name": course.name,
        "category": course.category,
        "subject": course.subject,
        "field": course.field,
        "format": course.format,
        "lesson_minutes": course.lesson_minutes,
        "lesson_count": course.lesson_count,
        "price_per_lesson_fen": course.price_per_lesson_fen,
        "class_size_tier": course.class_size_tier,
        "external_id": course.external_id,
    }


def _apply_course(course: Course, data: CourseData) -> None:
    for key, value in _course_values(data).items():
        setattr(course, key, value)


@transaction.atomic
def course_create(*, actor: User, data: CourseData) -> Course:
    institution = operator_institution(actor)
    raise_if_any(course_violations(institution=institution, data=data))
    course = Course(institution=institution, division_code=institution.division_code)
    _apply_course(course, data)
    course.full_clean(exclude=["institution"])
    course.save()
    audit_record(actor=actor, action="course.create", obj=course, after=_course_snapshot(course))
    return course


@transaction.atomic
def course_update(*, actor: User, course: Course, data: CourseData) -> Course:
    institution = operator_institution(actor)
    course = Course.objects.select_for_update().filter(pk=course.pk, institution=institution).first()  # type: ignore[assignment]
    if course is None:
        raise Http404
    raise_if_any(course_violations(institution=institution, data=data))
    before = _course_snapshot(course)
    _apply_course(course, data)
    course.full_clean(exclude=["institution"])
    course.save()
    audit_record(actor=actor, action="course.update", obj=course, before=before, after=_course_snapshot(course))
    return course


def _course_values(data: CourseData) -> dict[str, Any]:
    values = asdict(data)
    if data.category == rules.SUBJECT:
        values["field"] = ""
    else:
        values["subject"] = ""
    return values


@transaction.atomic
def course_upsert(*, actor: User, external_id: str, data: CourseData) -> tuple[Course, bool]:
    """Create or update the course the caller's system knows as ``external_id``; True when created.

    Sending the same record again changes nothing and writes no audit event.
    """
    validate_external_id(external_id)
    institution = operator_institution(actor)
    data.external_id = external_id
    existing = Course.objects.select_for_update().filter(institution=institution, external_id=external_id).first()
    if existing is None:
        return course_create(actor=actor, data=data), True
    wanted = _course_values(data)
    if all(getattr(existing, key) == value for key, value in wanted.items()):
        return existing, False
    return course_update(actor=actor, course=existing, data=data), False


# What a textbook or handout is filed as: documents and slides as the institution teaches from them, and
# scans or photos of printed pages. Nothing a browser would run (HTML, SVG) and nothing executable.
MATERIAL_KINDS = ("pdf", "docx", "pptx", "jpeg", "png")


def material_max_bytes() -> int:
    return int(settings.COURSES_MATERIAL_MAX_BYTES)


@transaction.atomic
def material_file(*, actor: User, course: Course, title: str, file: Any) -> CourseMaterial:
    """An operator files a textbook or handout (教材/讲义) for the regulator's approval.

    The file is checked by content (``MATERIAL_KINDS``) and size (``COURSES_MATERIAL_MAX_BYTES``) before
    anything is stored; a refusal is a ``ValidationError`` on ``file``.
    """
    institution = operator_institution(actor)
    if course.institution_id != institution.pk:
        raise Http404
    try:
        check_upload(file, allowed=MATERIAL_KINDS, max_bytes=material_max_bytes())
    except ValidationError as exc:
        raise ValidationError({"file": exc}) from exc
    material = CourseMaterial.objects.create(
        course=course, title=title, file=file, division_code=course.division_code, status=FilingStatus.PENDING
    )
    audit_record(actor=actor, action="course_material.file", obj=material, after={"title": title})
    return material


@transaction.atomic
def material_review(*, actor: User, material: CourseMaterial, approve: bool, comment: str = "") -> CourseMaterial:
    """A regulator in scope approves or returns a filed material; a return needs a comment."""
    require(actor, "courses.review_materials")
    material = lock_in_scope_or_404(CourseMaterial.objects.all(), actor, pk=material.pk)
    if not approve and not comment.strip():
        raise RuleViolationError(
            [Violation("material.comment_required", _("退回须填写审核意见。"), "", "review_comment")]
        )
    before = {"status": material.status}
    material.status = FilingStatus.APPROVED if approve else FilingStatus.REJECTED
    material.reviewer = actor
    material.review_comment = comment.strip()
    material.save(update_fields=["status", "reviewer", "review_comment"])
    audit_record(
        actor=actor,
        action="course_material.approve" if approve else "course_material.reject",
        obj=material,
        before=before,
        after={"status": material.status, "comment": material.review_comment},
    )
    return material


# --- class groups ---------------------------------------------------------------------------------------------


@dataclass
class ClassGroupData:
    course_id: int
    name: str
    capacity: int
    site_id: int | None = None
    trainer_ids: list[int] = dc_field(default_factory=list)
    external_id: str = ""


def trainer_violations(institution: Institution, course: Course, trainer_ids: Iterable[int]) -> list[Violation]:
    """Staff rules for each trainer (Person id) against the course: employed here, certificate, roster, black list."""
    ids = [int(i) for i in trainer_ids]
    if not ids:
        return []
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids).prefetch_related("qualifications")}
    today = timezone.localdate()
    employed = set(
        Employment.objects.filter(person_id__in=ids, institution=institution, start__lte=today)
        .exclude(end__lt=today)
        .values_list("person_id", flat=True)
    )
    resident_ids = [p.resident_id for p in people.values()]
    barred = active_blacklist_ids(resident_ids, today)
    in_service = in_service_schools(resident_ids)
    found: list[Violation] = []
    for pid in ids:
        person = people.get(pid)
        if person is None or pid not in employed:
            found.append(
                Violation(
                    "class_group.trainer_not_employed",
                    _("授课教师（编号 %(id)s）不是本机构在职从业人员。") % {"id": pid},
                    str(rules.BASIS_LICENCE),
                    "trainer_ids",
                )
            )
            continue
        certificates = tuple(
            staff_rules.CertificateFacts(
                kind="teacher" if q.kind == "teacher_certificate" else "professional",
                subject_or_field=q.subject or q.field,
                number=q.number,
            )
            for q in person.qualifications.all()
        )
        facts = staff_rules.PersonFacts(
            name=person.name,
            is_in_service_teacher=person.resident_id in in_service,
            is_blacklisted=person.resident_id in barred,
            certificates=certificates,
        )
        found += staff_rules.check_trainer(facts, course.category, course.subject, course.field)
    return found


def class_group_violations(
    *, institution: Institution, data: ClassGroupData, instance: ClassGroup | None = None
) -> list[Violation]:
    """Every violation a class group with this data would have (nothing is saved)."""
    course = Course.objects.filter(pk=data.course_id, institution=institution).first()
    if course is None:
        return [Violation("class_group.course_unknown", _("课程不存在或不属于本机构。"), "", "course")]
    site = Site.objects.filter(pk=data.site_id).first() if data.site_id else None
    facts = rules.ClassGroupFacts(
        capacity=data.capacity,
        enrolled_count=instance.enrolled_count if instance else 0,
        class_size_tier=course.class_size_tier,
        course_format=course.format,
        site_capacity=site_capacity(site.usable_area_m2) if site else None,
        site_belongs_to_institution=site is None or (site.institution_id == institution.pk and site.is_active),
    )
    return rules.check_class_group(facts) + trainer_violations(institution, course, data.trainer_ids)


def check_class_group(*, actor: User, data: ClassGroupData) -> list[Violation]:
    """Every violation ``class_group_create`` would refuse this class group with (no write)."""
    return class_group_violations(institution=operator_institution(actor), data=data)


def _group_snapshot(group: ClassGroup) -> dict[str, Any]:
    return {
        "course_id": group.course_id,
        "name": group.name,
        "capacity": group.capacity,
        "site_id": group.site_id,
        "trainer_ids": list(group.trainer_ids),
        "external_id": group.external_id,
    }


@transaction.atomic
def class_group_create(*, actor: User, data: ClassGroupData) -> ClassGroup:
    institution = operator_institution(actor)
    raise_if_any(class_group_violations(institution=institution, data=data))
    group = ClassGroup.objects.create(
        course_id=data.course_id,
        name=data.name,
        capacity=data.capacity,
        site_id=data.site_id,
        trainer_ids=[int(i) for i in data.trainer_ids],
        external_id=data.external_id,
        division_code=institution.division_code,
    )
    audit_record(actor=actor, action="class_group.create", obj=group, after=_group_snapshot(group))
    return group


@transaction.atomic
def class_group_update(*, actor: User, group: ClassGroup, data: ClassGroupData) -> ClassGroup:
    institution = operator_institution(actor)
    locked = ClassGroup.objects.select_for_update().filter(pk=group.pk, course__institution=institution).first()
    if locked is None:
        raise Http404
    raise_if_any(class_group_violations(institution=institution, data=data, instance=locked))
    before = _group_snapshot(locked)
    locked.course_id = data.course_id
    locked.name = data.name
    locked.capacity = data.capacity
    locked.site_id = data.site_id
    locked.trainer_ids = [int(i) for i in data.trainer_ids]
    locked.external_id = data.external_id or locked.external_id
    locked.save()
    audit_record(actor=actor, action="class_group.update", obj=locked, before=before, after=_group_snapshot(locked))
    return locked


@transaction.atomic
def class_group_upsert(*, actor: User, external_id: str, data: ClassGroupData) -> tuple[ClassGroup, bool]:
    """Create or update the class group the caller knows as ``external_id`` within the course; True when created."""
    validate_external_id(external_id)
    institution = operator_institution(actor)
    data.external_id = external_id
    existing = (
        ClassGroup.objects.select_for_update()
        .filter(course_id=data.course_id, course__institution=institution, external_id=external_id)
        .first()
    )
    if existing is None:
        return class_group_create(actor=actor, data=data), True
    if _group_snapshot(existing) == {**asdict(data), "trainer_ids": [int(i) for i in data.trainer_ids]}:
        return existing, False
    return class_group_update(actor=actor, group=existing, data=data), False


# --- sessions -------------------------------------------------------------------------------------------------


def _session_facts(group: ClassGroup, starts_at: datetime.datetime, ends_at: datetime.datetime) -> rules.SessionFacts:
    return rules.SessionFacts(
        starts_at=starts_at,
        ends_at=ends_at,
        format=group.course.format,
        category=group.course.category,
        division_code=group.division_code,
    )


def _neighbours(
    group: ClassGroup, day_spans: Iterable[datetime.date], exclude_ids: Iterable[int] = ()
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    days = sorted(set(day_spans))
    if not days:
        return []
    lo = timezone.make_aware(datetime.datetime.combine(days[0], datetime.time.min))
    hi = timezone.make_aware(datetime.datetime.combine(days[-1] + datetime.timedelta(days=1), datetime.time.min))
    qs = Session.objects.filter(class_group=group, is_cancelled=False, starts_at__gte=lo, starts_at__lt=hi)
    excluded = [i for i in exclude_ids if i]
    if excluded:
        qs = qs.exclude(pk__in=excluded)
    return list(qs.values_list("starts_at", "ends_at"))


def _schedule_conflicts(
    group: ClassGroup, starts_at: datetime.datetime, ends_at: datetime.datetime, exclude_id: int | None
) -> list[Violation]:
    # Pupils of this class group must not be in another lesson at the same time: the students app's check,
    # registered in courses.hooks because courses may not import students.
    found: list[Violation] = []
    for check in session_checks():
        found += check(class_group=group, starts_at=starts_at, ends_at=ends_at, exclude_session_id=exclude_id)
    return found


def _group_for(institution: Institution, class_group: ClassGroup | int) -> ClassGroup:
    pk = class_group if isinstance(class_group, int) else class_group.pk
    group = ClassGroup.objects.select_related("course").filter(pk=pk, course__institution=institution).first()
    if group is None:
        raise Http404
    return group


def _lock_groups(*group_ids: int) -> None:
    """Lock the class groups whose sessions a write changes, lowest id first.

    Every path that adds, moves or cancels a session takes these locks before any session row, so two
    writers in one group (or a move between two groups) see each other's sessions in the overlap and
    break checks instead of both passing them; the fixed order keeps two moves from deadlocking.
    """
    list(
        ClassGroup.objects.select_for_update()
        .filter(pk__in=sorted(set(group_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _moved_meanwhile() -> RuleViolationError:
    return RuleViolationError([Violation("session.changed_meanwhile", _("该课次刚被他人修改，请刷新后重试。"), "", "")])


def session_violations(
    *,
    institution: Institution,
    class_group: ClassGroup | int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    exclude_id: int | None = None,
    calendar: rules.SchoolCalendar | None = None,
) -> list[Violation]:
    """Every violation a session of this class group at this time would have (nothing is saved)."""
    validate_span(starts_at, ends_at)
    group = _group_for(institution, class_group)
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    facts = _session_facts(group, starts_at, ends_at)
    local_start = timezone.localtime(starts_at).date()
    neighbours = _neighbours(group, [local_start], [exclude_id] if exclude_id else [])
    found = rules.check_session(facts, calendar or school_calendar(), neighbours)
    if not found or found[0].code != "session.ends_before_start":
        found += _schedule_conflicts(group, starts_at, ends_at, exclude_id)
    return found


@dataclass(frozen=True)
class SessionData:
    class_group_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def check_session(*, actor: User, data: SessionData) -> list[Violation]:
    """Every violation ``session_create`` would refuse this session with (no write); 404 for another's group."""
    return session_violations(
        institution=operator_institution(actor),
        class_group=data.class_group_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )


def _session_snapshot(session: Session) -> dict[str, Any]:
    return {
        "class_group_id": session.class_group_id,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "external_id": session.external_id,
        "is_cancelled": session.is_cancelled,
    }


@transaction.atomic
def session_create(
    *,
    actor: User,
    class_group: ClassGroup | int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    external_id: str = "",
) -> Session:
    institution = operator_institution(actor)
    group = _group_for(institution, class_group)
    _lock_groups(group.pk)
    raise_if_any(session_violations(institution=institution, class_group=group, starts_at=starts_at, ends_at=ends_at))
    session = Session.objects.create(
        class_group=group,
        starts_at=_aware(starts_at),
        ends_at=_aware(ends_at),
        external_id=external_id,
        division_code=group.division_code,
    )
    audit_record(actor=actor, action="session.create", obj=session, after=_session_snapshot(session))
    return session


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: Session,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    class_group: ClassGroup | int | None = None,
) -> Session:
    institution = operator_institution(actor)
    current_group_id = (
        Session.objects.filter(pk=session.pk, class_group__course__institution=institution)
        .values_list("class_group_id", flat=True)
        .first()
    )
    if current_group_id is None:
        raise Http404
    group = _group_for(institution, class_group if class_group is not None else current_group_id)
    # The group locks come before the session row, in the order session_create takes them.
    _lock_groups(current_group_id, group.pk)
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("class_group__course")
        .filter(pk=session.pk, class_group_id=current_group_id)
        .first()
    )
    if locked is None:
        raise _moved_meanwhile()
    raise_if_any(
        session_violations(
            institution=institution, class_group=group, starts_at=starts_at, ends_at=ends_at, exclude_id=locked.pk
        )
    )
    before = _session_snapshot(locked)
    locked.class_group = group
    locked.starts_at = _aware(starts_at)
    locked.ends_at = _aware(ends_at)
    locked.division_code = group.division_code
    locked.save()
    audit_record(actor=actor, action="session.update", obj=locked, before=before, after=_session_snapshot(locked))
    return locked


@transaction.atomic
def session_cancel(*, actor: User, session: Session) -> Session:
    institution = operator_institution(actor)
    group_id = (
        Session.objects.filter(pk=session.pk, class_group__course__institution=institution)
        .values_list("class_group_id", flat=True)
        .first()
    )
    if group_id is None:
        raise Http404
    _lock_groups(group_id)
    locked = Session.objects.select_for_update().filter(pk=session.pk, class_group_id=group_id).first()
    if locked is None:
        raise _moved_meanwhile()
    if not locked.is_cancelled:
        before = _session_snapshot(locked)
        locked.is_cancelled = True
        locked.save(update_fields=["is_cancelled"])
        audit_record(actor=actor, action="session.cancel", obj=locked, before=before, after=_session_snapshot(locked))
    return locked


@transaction.atomic
def session_upsert(
    *,
    actor: User,
    external_id: str,
    class_group: ClassGroup | int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> tuple[Session, bool]:
    """Create or move the session the caller knows as ``external_id`` in this class group; True when created.

    The same call again changes nothing and writes no audit event.
    """
    validate_external_id(external_id)
    institution = operator_institution(actor)
    group = _group_for(institution, class_group)
    _lock_groups(group.pk)
    existing = Session.objects.select_for_update().filter(class_group=group, external_id=external_id).first()
    if existing is None:
        return session_create(
            actor=actor, class_group=group, starts_at=starts_at, ends_at=ends_at, external_id=external_id
        ), True
    if existing.starts_at == _aware(starts_at) and existing.ends_at == _aware(ends_at) and not existing.is_cancelled:
        return existing, False
    if existing.is_cancelled:
        Session.objects.filter(pk=existing.pk).update(is_cancelled=False)
    return session_update(actor=actor, session=existing, starts_at=starts_at, ends_at=ends_at), False


@dataclass
class WeeklyPattern:
    """Weekdays (0 = Monday) at one time of day between two dates, inclusive."""

    weekdays: list[int]
    start_time: datetime.time
    end_time: datetime.time
    date_from: datetime.date
    date_to: datetime.date


# Generating more than a year of sessions at once is a typing mistake, not a schedule.
WEEKLY_MAX_DAYS = 366


def _wall_clock(day: datetime.date, at_time: datetime.time, field: str) -> datetime.datetime:
    """``at_time`` on ``day`` in the platform's zone; a time given with the zone's own offset is the same time.

    Any other offset is refused: "19:00+00:00" is 03:00 the next day in Beijing, so the weekdays chosen
    would no longer be the days the lessons fall on.
    """
    local = timezone.make_aware(datetime.datetime.combine(day, at_time.replace(tzinfo=None)))
    if at_time.tzinfo is not None and at_time.utcoffset() != local.utcoffset():
        raise ValidationError(
            {field: _("上课时间请按北京时间填写（不带时区，或带 +08:00），本系统按上课当地时间排课。")}
        )
    return local


def weekly_spans(pattern: WeeklyPattern) -> list[tuple[datetime.datetime, datetime.datetime]]:
    spans = []
    day = pattern.date_from
    while day <= pattern.date_to:
        if day.weekday() in pattern.weekdays:
            spans.append(
                (
                    _wall_clock(day, pattern.start_time, "start_time"),
                    _wall_clock(day, pattern.end_time, "end_time"),
                )
            )
        day += datetime.timedelta(days=1)
    return spans


def check_weekly(*, institution: Institution, class_group: ClassGroup | int, pattern: WeeklyPattern) -> list[Violation]:
    """Every violation of every session the pattern would generate; each message starts with its date."""
    group = _group_for(institution, class_group)
    if pattern.date_from.year not in SCHEDULE_YEARS or pattern.date_to.year not in SCHEDULE_YEARS:
        raise ValidationError({"date_from": _("日期须在 2000 年至 2099 年之间。")})
    if pattern.date_to < pattern.date_from or (pattern.date_to - pattern.date_from).days > WEEKLY_MAX_DAYS:
        return [
            Violation(
                "session.weekly_range", _("日期范围无效（结束日期须不早于开始日期，且不超过一年）。"), "", "date_to"
            )
        ]
    spans = weekly_spans(pattern)
    if not spans:
        return [Violation("session.weekly_empty", _("所选日期范围内没有符合条件的上课日。"), "", "weekdays")]
    calendar = school_calendar()
    existing = _neighbours(group, [timezone.localtime(s).date() for s, _e in spans])
    by_day: dict[datetime.date, list[Violation]] = defaultdict(list)
    for start, end in spans:
        facts = _session_facts(group, start, end)
        others = [*existing, *[(s, e) for s, e in spans if s != start]]
        for v in rules.check_session(facts, calendar, others):
            by_day[timezone.localtime(start).date()].append(v)
        for v in _schedule_conflicts(group, start, end, None):
            by_day[timezone.localtime(start).date()].append(v)
    found: list[Violation] = []
    for day in sorted(by_day):
        seen: set[tuple[str, str]] = set()
        for v in by_day[day]:
            if (v.code, v.message) in seen:
                continue
            seen.add((v.code, v.message))
            message = f"{day.isoformat()}：{v.message}"
            found.append(Violation(v.code, message, v.basis, v.field))
    return found


@transaction.atomic
def sessions_generate_weekly(*, actor: User, class_group: ClassGroup | int, pattern: WeeklyPattern) -> list[Session]:
    """All or nothing: if any generated session would break a rule, refuse with every violation, by date."""
    institution = operator_institution(actor)
    group = _group_for(institution, class_group)
    _lock_groups(group.pk)
    raise_if_any(check_weekly(institution=institution, class_group=group, pattern=pattern))
    sessions = Session.objects.bulk_create(
        [
            Session(class_group=group, starts_at=s, ends_at=e, division_code=group.division_code)
            for s, e in weekly_spans(pattern)
        ]
    )
    audit_record(
        actor=actor,
        action="session.generate_weekly",
        obj=group,
        after={
            "count": len(sessions),
            "weekdays": pattern.weekdays,
            "start_time": pattern.start_time.isoformat(),
            "end_time": pattern.end_time.isoformat(),
            "from": pattern.date_from.isoformat(),
            "to": pattern.date_to.isoformat(),
        },
    )
    return sessions


# --- scan -----------------------------------------------------------------------------------------------------

NOTICE_MAX = 1000


def _violation_in_scope(actor: User, record: ViolationRecord) -> ViolationRecord:
    """The record locked for a regulator whose jurisdiction covers it; anyone else gets a 404."""
    require(actor, "courses.handle_violations")
    locked = ViolationRecord.objects.select_for_update().filter(pk=record.pk).first()
    if locked is None or not (actor.is_platform_admin or locked.division_code.startswith(actor.scope_code)):
        raise Http404
    if locked.closed_at is not None:
        raise RuleViolationError([Violation("violation.closed", _("该违规记录已办结。"), "", "")])
    return locked


def _text(value: str, field: str, missing: str) -> str:
    text = value.strip()
    if not text:
        raise RuleViolationError([Violation(f"violation.{field}_required", missing, "", field)])
    if len(text) > NOTICE_MAX:
        raise RuleViolationError(
            [
                Violation(
                    f"violation.{field}_too_long",
                    ngettext("内容不得超过 %(n)s 个字。", "内容不得超过 %(n)s 个字。", NOTICE_MAX) % {"n": NOTICE_MAX},
                    "",
                    field,
                )
            ]
        )
    return text


@transaction.atomic
def violation_notify(*, actor: User, record: ViolationRecord, notice: str) -> ViolationRecord:
    """A regulator in scope tells the institution what to correct; the operator sees it on the record's page.

    Notifying again replaces the notice (the audit log keeps every one).
    """
    locked = _violation_in_scope(actor, record)
    text = _text(notice, "notice", _("请填写要求机构整改的内容。"))
    before = {"notice": locked.notice, "notified_at": locked.notified_at.isoformat() if locked.notified_at else None}
    locked.notice = text
    locked.notified_at = timezone.now()
    locked.notified_by = actor
    locked.save(update_fields=["notice", "notified_at", "notified_by"])
    audit_record(
        actor=actor,
        action="violation.notify",
        obj=locked,
        division_code=locked.division_code,
        before=before,
        after={"code": locked.code, "notice": text},
    )
    return locked


@transaction.atomic
def violation_close(*, actor: User, record: ViolationRecord, reason: str) -> ViolationRecord:
    """A regulator in scope closes a record with a reason (corrected on the spot, filed exception, scan error…).

    A closed record leaves the open lists; the scan may still find the object, which the reason then explains.
    Opening an inspection lead from a record belongs to the enforcement app once it offers one.
    """
    locked = _violation_in_scope(actor, record)
    text = _text(reason, "reason", _("办结须填写理由。"))
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.close_reason = text
    locked.save(update_fields=["closed_at", "closed_by", "close_reason"])
    audit_record(
        actor=actor,
        action="violation.close",
        obj=locked,
        division_code=locked.division_code,
        before={"closed": False},
        after={"code": locked.code, "closed": True, "reason": text},
    )
    return locked


def violation_scan_start(*, actor: User) -> Job:
    """A regulator starts a scan of their jurisdiction now; the job reports progress."""
    require(actor, "courses.handle_violations")
    prefix = "" if actor.is_platform_admin else actor.scope_code
    with transaction.atomic():
        job = Job.objects.create(
            kind="courses.violation_scan", owner=actor, division_code=prefix, params={"prefix": prefix}
        )
        audit_record(actor=actor, action="violation_scan.start", obj=job, division_code=prefix)
        transaction.on_commit(lambda: violation_scan_task.delay(job_id=job.pk, prefix=prefix))
    return job
