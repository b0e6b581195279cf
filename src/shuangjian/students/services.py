"""Every write of the students app: binding children, enrolments with their contracts, attendance.

For the courses app (registered in ``courses.hooks`` by ``StudentsConfig.ready``): before a session is added or
moved, ``student_session_conflicts(class_group=..., starts_at=..., ends_at=...)`` returns ``schedule_conflict``
violations for pupils of that class group whose other live enrolments already have a lesson in that span
(a pupil cannot be in two sessions at once). ``check_enrolment`` and ``check_attendance`` answer the
compliance-check endpoint with the same violations the writes would raise, writing nothing.
Funds plugs its prepaid-fee rules into ``hooks.register_enrolment_check`` and consumes lessons from
``hooks.on_attendance_recorded``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.access import has_forbidden_characters
from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.permissions import is_parent
from shuangjian.core.rules import RuleViolationError, Violation, raise_if_any
from shuangjian.core.validators import mask_resident_id, validate_resident_id
from shuangjian.courses.models import ClassGroup, Session
from shuangjian.registry.models import Institution

from . import rules
from .hooks import attendance_callbacks, enrolment_checks
from .models import (
    Attendance,
    ContractCounter,
    Enrolment,
    EnrolmentStatus,
    Guardianship,
    Student,
    new_binding_code,
)
from .selectors import LIVE_STATUSES, operator_institution

BASIS_ID = "GB 11643-1999"
EXTERNAL_ID_MAX = 64  # Enrolment.external_id's column width


@dataclass(frozen=True)
class StudentData:
    """A pupil as an institution's form or system describes them; resident ID or school roll number identifies."""

    name: str
    resident_id: str = ""
    school_roll_no: str = ""
    grade: str = ""
    school_name: str = ""
    school_code: str = ""


@dataclass(frozen=True)
class EnrolmentData:
    """An enrolment as an institution's system describes it (``EnrolmentIn.to_data()``), for ``check_enrolment``."""

    class_group_id: int | None
    student: StudentData
    start_date: datetime.date
    end_date: datetime.date
    lessons_bought: int
    price_per_lesson_fen: int
    external_id: str = ""


@dataclass(frozen=True)
class EnrolmentDraft:
    """What a registered enrolment check (e.g. the funds app's prepaid caps) is shown before anything is written."""

    institution: Institution
    class_group: ClassGroup
    student: Student | None
    student_data: StudentData
    start_date: datetime.date
    end_date: datetime.date
    lessons_bought: int
    price_per_lesson_fen: int
    external_id: str

    @property
    def total_fee_fen(self) -> int:
        return self.lessons_bought * self.price_per_lesson_fen


# --- helpers ------------------------------------------------------------------------------------------------------


def _require_operator(actor: User) -> Institution:
    institution = operator_institution(actor)
    if institution is None:
        raise Http404
    return institution


def _clean_student(data: StudentData) -> tuple[StudentData, list[Violation]]:
    found: list[Violation] = []
    name = " ".join((data.name or "").split())
    if not name:
        found.append(Violation("student_name_missing", _("请填写学员姓名。"), rules.BASIS_CONTRACT, "name"))
    resident_id = (data.resident_id or "").strip()
    if resident_id:
        try:
            resident_id = validate_resident_id(resident_id)
        except ValidationError as exc:
            found.append(Violation("resident_id_invalid", str(exc.messages[0]), BASIS_ID, "resident_id"))
    cleaned = replace(
        data,
        name=name,
        resident_id=resident_id,
        school_roll_no=(data.school_roll_no or "").strip(),
        grade=(data.grade or "").strip(),
        school_name=(data.school_name or "").strip(),
        school_code=(data.school_code or "").strip(),
    )
    for field in ("name", "school_roll_no", "grade", "school_name", "school_code"):
        if has_forbidden_characters(getattr(cleaned, field)):
            found.append(
                Violation("control_characters", _("不能包含控制字符或不可见字符。"), rules.BASIS_CONTRACT, field)
            )
    return cleaned, found


def _find_student(data: StudentData, *, lock: bool) -> Student | None:
    qs = Student.objects.select_for_update() if lock else Student.objects.all()
    if data.resident_id:
        return qs.filter(resident_id=data.resident_id).first()
    if data.school_roll_no:
        return qs.filter(school_roll_no=data.school_roll_no).first()
    return None


def _label(class_group_name: str, starts_at: datetime.datetime) -> str:
    return f"{class_group_name} {timezone.localtime(starts_at):%Y-%m-%d %H:%M}"


def _class_group_intervals(class_group: ClassGroup) -> list[rules.Interval]:
    rows = Session.objects.filter(class_group=class_group, is_cancelled=False).values_list("starts_at", "ends_at")
    return [rules.Interval(s, e, _label(class_group.name, s)) for s, e in rows]


def _student_intervals(student_id: int, *, exclude_class_group_id: int) -> list[rules.Interval]:
    rows = (
        Session.objects.filter(
            class_group__enrolments__student_id=student_id,
            class_group__enrolments__status__in=LIVE_STATUSES,
            is_cancelled=False,
        )
        .exclude(class_group_id=exclude_class_group_id)
        .values_list("starts_at", "ends_at", "class_group__name")
        .distinct()
    )
    return [rules.Interval(s, e, _label(name, s)) for s, e, name in rows]


def _enrolment_violations(
    *,
    institution: Institution,
    class_group: ClassGroup | None,
    data: StudentData,
    student: Student | None,
    start_date: datetime.date,
    end_date: datetime.date,
    lessons_bought: int,
    price_per_lesson_fen: int,
    external_id: str,
) -> list[Violation]:
    """All violations of a new enrolment: the pure rules, the schedule, then every registered check."""
    own = class_group is not None and class_group.course.institution_id == institution.pk
    if not own or class_group is None:
        return rules.enrolment_violations(
            class_group_is_own=False,
            course_is_active=True,
            capacity=0,
            enrolled_count=0,
            course_price_fen=0,
            price_per_lesson_fen=price_per_lesson_fen,
            lessons_bought=lessons_bought,
            start_date=start_date,
            end_date=end_date,
            already_enrolled=False,
            identity_given=True,
            identity_matches=True,
        )
    already = (
        student is not None
        and Enrolment.objects.filter(student=student, class_group=class_group, status__in=LIVE_STATUSES).exists()
    )
    found = rules.enrolment_violations(
        class_group_is_own=True,
        course_is_active=class_group.course.is_active,
        capacity=class_group.capacity,
        enrolled_count=class_group.enrolled_count,
        course_price_fen=class_group.course.price_per_lesson_fen,
        price_per_lesson_fen=price_per_lesson_fen,
        lessons_bought=lessons_bought,
        start_date=start_date,
        end_date=end_date,
        already_enrolled=already,
        identity_given=bool(data.resident_id or data.school_roll_no),
        identity_matches=student is None or student.name == data.name,
    )
    if student is not None and not already:
        pairs = rules.overlapping_pairs(
            _class_group_intervals(class_group), _student_intervals(student.pk, exclude_class_group_id=class_group.pk)
        )
        found += rules.schedule_violations(pairs)
    draft = EnrolmentDraft(
        institution=institution,
        class_group=class_group,
        student=student,
        student_data=data,
        start_date=start_date,
        end_date=end_date,
        lessons_bought=lessons_bought,
        price_per_lesson_fen=price_per_lesson_fen,
        external_id=external_id,
    )
    for check in enrolment_checks():
        found += check(draft)
    return found


def _next_contract_no(division_code: str) -> str:
    """HT<county>-<year>-<6 digits>, numbered per county and year under a row lock: never shared, never skipped."""
    year = timezone.localdate().year
    key = f"{division_code}-{year}"
    ContractCounter.objects.get_or_create(key=key)
    counter = ContractCounter.objects.select_for_update().get(key=key)
    counter.last_no = F("last_no") + 1
    counter.save(update_fields=["last_no"])
    counter.refresh_from_db(fields=["last_no"])
    return f"HT{key}-{counter.last_no:06d}"


def _snapshot(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "student_id": enrolment.student_id,
        "class_group_id": enrolment.class_group_id,
        "external_id": enrolment.external_id,
        "start_date": enrolment.start_date.isoformat(),
        "end_date": enrolment.end_date.isoformat(),
        "lessons_bought": enrolment.lessons_bought,
        "price_per_lesson_fen": enrolment.price_per_lesson_fen,
        "total_fee_fen": enrolment.total_fee_fen,
        "status": enrolment.status,
        "contract_no": enrolment.contract_no,
    }


def _lock_class_group(class_group: ClassGroup | int | None) -> ClassGroup | None:
    if class_group is None:
        return None
    pk = class_group if isinstance(class_group, int) else class_group.pk
    return ClassGroup.objects.select_for_update().select_related("course").filter(pk=pk).first()


# --- checks without writing ---------------------------------------------------------------------------------------


def check_enrolment(*, actor: User, data: EnrolmentData) -> list[Violation]:
    """Every violation ``enrolment_create`` would raise for this data (empty list: it would be accepted)."""
    institution = _require_operator(actor)
    student_data, found = _clean_student(data.student)
    pk = data.class_group_id
    group = ClassGroup.objects.select_related("course").filter(pk=pk).first() if pk else None
    existing = _find_student(student_data, lock=False)
    found += _enrolment_violations(
        institution=institution,
        class_group=group,
        data=student_data,
        student=existing,
        start_date=data.start_date,
        end_date=data.end_date,
        lessons_bought=data.lessons_bought,
        price_per_lesson_fen=data.price_per_lesson_fen,
        external_id=data.external_id,
    )
    return found


def check_attendance(*, actor: User, session: Session, enrolment: Enrolment, present: bool = True) -> list[Violation]:
    """Every violation ``attendance_record`` would raise (empty: it would be recorded)."""
    institution = _require_operator(actor)
    if enrolment.institution_id != institution.pk:
        raise Http404
    return _attendance_violations(session=session, enrolment=enrolment, present=present)


def student_session_conflicts(
    *,
    class_group: ClassGroup,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    exclude_session_id: int | None = None,
) -> list[Violation]:
    """Violations if a session of ``class_group`` over [starts_at, ends_at) would put an enrolled pupil in two places.

    ``exclude_session_id`` is accepted for callers moving a session; only other class groups' sessions count anyway.
    """
    student_ids = list(
        Enrolment.objects.filter(class_group=class_group, status__in=LIVE_STATUSES).values_list("student_id", flat=True)
    )
    if not student_ids:
        return []
    clashes = (
        Session.objects.filter(
            class_group__enrolments__student_id__in=student_ids,
            class_group__enrolments__status__in=LIVE_STATUSES,
            is_cancelled=False,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .exclude(class_group=class_group)
        .values_list("class_group__enrolments__student__name", "class_group__name", "starts_at")
        .distinct()[:20]
    )
    new = rules.Interval(starts_at, ends_at, _label(class_group.name, starts_at))
    pairs = [(new, rules.Interval(s, s, f"{name}：{_label(group, s)}")) for name, group, s in clashes]
    return rules.schedule_violations(pairs)


# --- binding ------------------------------------------------------------------------------------------------------


def _bind_limit() -> int:
    # An anti-guessing limit, not a policy number: resident IDs are guessable, names less so.
    return int(getattr(settings, "STUDENT_BIND_ATTEMPTS_PER_HOUR", 10))


def normalise_binding_code(code: str) -> str:
    """As printed ("ABCD-EFGH"), typed in lower case or with spaces: the same code."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def guardian_bind(*, actor: User, name: str, resident_id: str, binding_code: str) -> Guardianship:
    """Bind a child to a parent account: the child's name and resident ID, and the binding code on one of the
    child's contracts — the second factor only the institution and the family holding the contract have.

    A failure says the same whether the ID is unknown, the name differs or the code is wrong, so the form cannot
    be used to learn which IDs are on record. A code binds one parent once; a second parent asks the institution
    for a new code. Attempts per parent are limited per hour; every attempt is audited.
    """
    if not is_parent(actor):
        raise Http404
    key = f"students:bind-attempts:{actor.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        attempts = 1
    if attempts > _bind_limit():
        raise ValidationError(_("绑定尝试次数过多，请一小时后再试。"), code="bind_rate_limited")
    clean_name = " ".join((name or "").split())
    rid = validate_resident_id(resident_id)  # a malformed number is the parent's typo, safe to say so
    code = normalise_binding_code(binding_code)
    with transaction.atomic():
        student = Student.objects.filter(resident_id=rid).first()
        enrolment = None
        if student is not None and student.name == clean_name and code:
            enrolment = (
                Enrolment.objects.select_for_update().filter(student=student, binding_code=code).order_by("pk").first()
            )
        if student is not None and enrolment is not None:
            existing = Guardianship.objects.filter(parent=actor, student=student).first()
            if existing is not None:
                return existing
            if enrolment.binding_code_used_at is None:
                guardianship = Guardianship.objects.create(parent=actor, student=student)
                enrolment.binding_code_used_at = timezone.now()
                enrolment.binding_code_used_by = actor
                enrolment.save(update_fields=["binding_code_used_at", "binding_code_used_by"])
                audit_record(
                    actor=actor,
                    action="student.bind",
                    obj=student,
                    after={
                        "parent_id": actor.pk,
                        "student_id": student.pk,
                        "resident_id": mask_resident_id(rid),
                        "contract_no": enrolment.contract_no,
                    },
                )
                return guardianship
    # Refusals are audited outside the transaction above, so the record survives the error raised after it.
    if student is not None and enrolment is not None:
        audit_record(
            actor=actor,
            action="student.bind_failed",
            obj=student,
            after={"contract_no": enrolment.contract_no, "reason": "code_used"},
        )
        raise ValidationError(
            _("该绑定码已被使用。如需为另一位家长绑定，请向培训机构申请重新生成绑定码。"), code="bind_code_used"
        )
    audit_record(
        actor=actor,
        action="student.bind_failed",
        object_type="students.student",
        after={"resident_id": mask_resident_id(rid), "reason": "no_match"},
    )
    raise ValidationError(
        _("姓名、身份证号或绑定码不匹配。绑定码印在培训机构出具的合同上，请核对后重试。"),
        code="bind_no_match",
    )


@transaction.atomic
def enrolment_binding_code_renew(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The institution issues a new binding code for a contract (a second parent, or a code seen by others)."""
    institution = _require_operator(actor)
    locked = Enrolment.objects.select_for_update().filter(pk=enrolment.pk, institution=institution).first()
    if locked is None:
        raise Http404
    before = {"used_at": locked.binding_code_used_at.isoformat() if locked.binding_code_used_at else None}
    locked.binding_code = new_binding_code()
    locked.binding_code_used_at = None
    locked.binding_code_used_by = None
    locked.save(update_fields=["binding_code", "binding_code_used_at", "binding_code_used_by"])
    # The code itself stays out of the audit log: the log is read by more people than the contract.
    audit_record(actor=actor, action="enrolment.binding_code_renew", obj=locked, before=before, after={"renewed": True})
    return locked


# --- enrolments -------------------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    actor: User,
    class_group: ClassGroup | int | None,
    start_date: datetime.date,
    end_date: datetime.date,
    lessons_bought: int,
    price_per_lesson_fen: int,
    student: StudentData | None = None,
    student_id: int | None = None,
    external_id: str = "",
) -> Enrolment:
    """Enrol a pupil in one of the operator's class groups and issue the contract (pending the parent's confirmation).

    Raises ``RuleViolationError`` with every violation and writes nothing when any rule is broken.
    """
    institution = _require_operator(actor)
    found: list[Violation] = []
    group = _lock_class_group(class_group)
    if student_id is not None:
        existing = (
            Student.objects.select_for_update()
            .filter(pk=student_id, pk__in=Enrolment.objects.filter(institution=institution).values("student_id"))
            .first()
        )
        if existing is None:
            raise RuleViolationError(
                [Violation("student_not_found", _("学员不存在或未在本机构报名。"), rules.BASIS_CONTRACT, "student")]
            )
        data = StudentData(name=existing.name, resident_id=existing.resident_id, school_roll_no=existing.school_roll_no)
    else:
        data, found = _clean_student(student or StudentData(name=""))
        existing = _find_student(data, lock=True) if not found else None
    found += _enrolment_violations(
        institution=institution,
        class_group=group,
        data=data,
        student=existing,
        start_date=start_date,
        end_date=end_date,
        lessons_bought=lessons_bought,
        price_per_lesson_fen=price_per_lesson_fen,
        external_id=external_id,
    )
    external_id = (external_id or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX or has_forbidden_characters(external_id):
        found.append(
            Violation(
                "external_id_invalid",
                _("机构系统编号至多 64 个字符，且不含控制字符。"),
                rules.BASIS_CONTRACT,
                "external_id",
            )
        )
    elif external_id and Enrolment.objects.filter(institution=institution, external_id=external_id).exists():
        found.append(_external_id_taken())
    raise_if_any(found)
    assert group is not None
    if existing is None:
        existing = _create_student(data, division_code=institution.division_code)
        if existing.enrolments.exists():
            # Another writer registered this pupil meanwhile (and we now hold its lock): check the schedule again.
            raise_if_any(
                _enrolment_violations(
                    institution=institution,
                    class_group=group,
                    data=data,
                    student=existing,
                    start_date=start_date,
                    end_date=end_date,
                    lessons_bought=lessons_bought,
                    price_per_lesson_fen=price_per_lesson_fen,
                    external_id=external_id,
                )
            )
    else:
        _fill_student_blanks(existing, data)
    try:
        with transaction.atomic():
            enrolment = _insert_enrolment(
                student=existing,
                group=group,
                institution=institution,
                external_id=external_id,
                start_date=start_date,
                end_date=end_date,
                lessons_bought=lessons_bought,
                price_per_lesson_fen=price_per_lesson_fen,
            )
    except IntegrityError:  # the same institution id written a moment ago by another request
        raise RuleViolationError([_external_id_taken()]) from None
    try:
        with transaction.atomic():
            # The row lock above makes this safe; the database's check constraint is the backstop.
            ClassGroup.objects.filter(pk=group.pk).update(enrolled_count=F("enrolled_count") + 1)
    except IntegrityError:
        raise RuleViolationError(
            [Violation("class_full", _("班级已满。"), rules.BASIS_CAPACITY, "class_group")]
        ) from None
    audit_record(actor=actor, action="enrolment.create", obj=enrolment, after=_snapshot(enrolment))
    return enrolment


def _external_id_taken() -> Violation:
    return Violation(
        "external_id_taken", _("该机构系统编号已用于本机构的另一报名。"), rules.BASIS_CONTRACT, "external_id"
    )


def _insert_enrolment(
    *,
    student: Student,
    group: ClassGroup,
    institution: Institution,
    external_id: str,
    start_date: datetime.date,
    end_date: datetime.date,
    lessons_bought: int,
    price_per_lesson_fen: int,
) -> Enrolment:
    return Enrolment.objects.create(
        student=student,
        class_group=group,
        institution=institution,
        external_id=external_id,
        start_date=start_date,
        end_date=end_date,
        lessons_bought=lessons_bought,
        price_per_lesson_fen=price_per_lesson_fen,
        total_fee_fen=lessons_bought * price_per_lesson_fen,
        status=EnrolmentStatus.PENDING,
        contract_no=_next_contract_no(institution.division_code),
        division_code=institution.division_code,
    )


def _create_student(data: StudentData, *, division_code: str) -> Student:
    try:
        with transaction.atomic():
            return Student.objects.create(
                name=data.name,
                resident_id=data.resident_id,
                school_roll_no=data.school_roll_no,
                grade=data.grade,
                school_name=data.school_name,
                school_code=data.school_code,
                division_code=division_code,
            )
    except IntegrityError:
        # Another institution registered the same child a moment ago: use that record if the name agrees.
        other = _find_student(data, lock=True)
        if other is None or other.name != data.name:
            raise RuleViolationError(
                [
                    Violation(
                        "student_identity_mismatch",
                        _("该证件号码已登记的学员姓名与填写的姓名不一致，请核对。"),
                        rules.BASIS_CONTRACT,
                        "name",
                    )
                ]
            ) from None
        return other


def _fill_student_blanks(student: Student, data: StudentData) -> None:
    """Add what the record lacks (a roll number, the school); never overwrite what another source recorded."""
    changed = []
    for field in ("resident_id", "school_roll_no", "grade", "school_name", "school_code"):
        value = getattr(data, field)
        if value and not getattr(student, field):
            setattr(student, field, value)
            changed.append(field)
    if changed:
        try:
            with transaction.atomic():
                student.save(update_fields=changed)
        except IntegrityError:
            pass  # the roll number already names another record: keep this one as it was


@transaction.atomic
def enrolment_upsert(
    *,
    actor: User,
    external_id: str,
    class_group: ClassGroup | int | None,
    student: StudentData,
    start_date: datetime.date,
    end_date: datetime.date,
    lessons_bought: int,
    price_per_lesson_fen: int,
) -> tuple[Enrolment, bool]:
    """The data-exchange write: the same call twice leaves one enrolment. Returns (enrolment, created).

    While the contract is pending, dates, lessons and price may change (the contract is regenerated from the
    record); after the parent has confirmed, or for another pupil or class group, the call is refused.
    """
    institution = _require_operator(actor)
    external_id = (external_id or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX or has_forbidden_characters(external_id):
        raise RuleViolationError(
            [
                Violation(
                    "external_id_invalid",
                    _("机构系统编号至多 64 个字符，且不含控制字符。"),
                    rules.BASIS_CONTRACT,
                    "external_id",
                )
            ]
        )
    if not external_id:
        raise RuleViolationError(
            [Violation("external_id_missing", _("缺少机构系统编号。"), rules.BASIS_CONTRACT, "external_id")]
        )
    # Serialises writes of one institution's records, so two identical calls at once create one row.
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    current = (
        Enrolment.objects.select_for_update()
        .select_related("student")
        .filter(institution=institution, external_id=external_id)
        .first()
    )
    if current is None:
        created = enrolment_create(
            actor=actor,
            class_group=class_group,
            student=student,
            start_date=start_date,
            end_date=end_date,
            lessons_bought=lessons_bought,
            price_per_lesson_fen=price_per_lesson_fen,
            external_id=external_id,
        )
        return created, True
    data, found = _clean_student(student)
    group_pk = class_group if isinstance(class_group, int) else getattr(class_group, "pk", None)
    same_pupil = (data.resident_id and data.resident_id == current.student.resident_id) or (
        not data.resident_id and data.school_roll_no and data.school_roll_no == current.student.school_roll_no
    )
    if group_pk != current.class_group_id or not same_pupil:
        found.append(
            Violation(
                "enrolment_identity_changed",
                _("该机构系统编号已用于另一学员或班级的报名；更换班级请先退费或取消后重新报名。"),
                rules.BASIS_CONTRACT,
                "external_id",
            )
        )
    raise_if_any(found)
    terms = (start_date, end_date, lessons_bought, price_per_lesson_fen)
    if terms == (current.start_date, current.end_date, current.lessons_bought, current.price_per_lesson_fen):
        return current, False
    if current.status != EnrolmentStatus.PENDING:
        raise RuleViolationError(
            [
                Violation(
                    "contract_already_confirmed",
                    _("家长已确认合同，报名条款不能再修改；如需变更请办理退费后重新报名。"),
                    rules.BASIS_CONTRACT,
                    "external_id",
                )
            ]
        )
    course = current.class_group.course
    raise_if_any(
        v
        for v in rules.enrolment_violations(
            class_group_is_own=True,
            course_is_active=True,
            capacity=1,
            enrolled_count=0,
            course_price_fen=course.price_per_lesson_fen,
            price_per_lesson_fen=price_per_lesson_fen,
            lessons_bought=lessons_bought,
            start_date=start_date,
            end_date=end_date,
            already_enrolled=False,
            identity_given=True,
            identity_matches=True,
        )
    )
    before = _snapshot(current)
    current.start_date, current.end_date = start_date, end_date
    current.lessons_bought, current.price_per_lesson_fen = lessons_bought, price_per_lesson_fen
    current.total_fee_fen = lessons_bought * price_per_lesson_fen
    current.save(update_fields=["start_date", "end_date", "lessons_bought", "price_per_lesson_fen", "total_fee_fen"])
    audit_record(actor=actor, action="enrolment.update", obj=current, before=before, after=_snapshot(current))
    return current, False


@transaction.atomic
def contract_confirm(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The parent confirms the contract online: the enrolment becomes active. Confirming twice changes nothing."""
    locked = Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    if locked is None or not Guardianship.objects.filter(parent=actor, student_id=locked.student_id).exists():
        raise Http404
    if locked.contract_confirmed_at is not None:
        return locked
    if locked.status != EnrolmentStatus.PENDING:
        raise RuleViolationError(
            [Violation("contract_not_pending", _("该报名已取消或结束，不能确认合同。"), rules.BASIS_CONTRACT, "status")]
        )
    before = _snapshot(locked)
    locked.status = EnrolmentStatus.ACTIVE
    locked.contract_confirmed_at = timezone.now()
    locked.contract_confirmed_by = actor
    locked.save(update_fields=["status", "contract_confirmed_at", "contract_confirmed_by"])
    audit_record(actor=actor, action="enrolment.contract_confirm", obj=locked, before=before, after=_snapshot(locked))
    return locked


@transaction.atomic
def enrolment_cancel(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The operator withdraws an enrolment whose contract the parent has not confirmed; the seat is freed.

    After confirmation, money may have moved: leaving then is a refund (funds app), not a cancellation.
    """
    institution = _require_operator(actor)
    locked = Enrolment.objects.select_for_update().filter(pk=enrolment.pk, institution=institution).first()
    if locked is None:
        raise Http404
    if locked.status == EnrolmentStatus.CANCELLED:
        return locked
    if locked.status != EnrolmentStatus.PENDING:
        raise RuleViolationError(
            [
                Violation(
                    "contract_already_confirmed",
                    _("家长已确认合同，不能取消；如需退出请办理退费。"),
                    rules.BASIS_CONTRACT,
                    "status",
                )
            ]
        )
    ClassGroup.objects.select_for_update().filter(pk=locked.class_group_id).first()
    before = _snapshot(locked)
    locked.status = EnrolmentStatus.CANCELLED
    locked.save(update_fields=["status"])
    ClassGroup.objects.filter(pk=locked.class_group_id, enrolled_count__gt=0).update(
        enrolled_count=F("enrolled_count") - 1
    )
    audit_record(actor=actor, action="enrolment.cancel", obj=locked, before=before, after=_snapshot(locked))
    return locked


# --- attendance -------------------------------------------------------------------------------------------------


def _attendance_violations(*, session: Session, enrolment: Enrolment, present: bool) -> list[Violation]:
    existing = Attendance.objects.filter(session=session, enrolment=enrolment).values_list("present", flat=True).first()
    present_count = Attendance.objects.filter(enrolment=enrolment, present=True).count()
    return rules.attendance_violations(
        session_in_class_group=session.class_group_id == enrolment.class_group_id,
        session_cancelled=session.is_cancelled,
        session_starts_at=session.starts_at,
        now=timezone.now(),
        enrolment_active=enrolment.status == EnrolmentStatus.ACTIVE,
        present=present,
        was_present=existing,
        present_count=present_count,
        lessons_bought=enrolment.lessons_bought,
    )


@transaction.atomic
def attendance_record(*, actor: User, session: Session, enrolment: Enrolment, present: bool) -> tuple[Attendance, bool]:
    """Record one pupil at one session; the same call again changes nothing. Returns (attendance, changed).

    A present mark, once committed, is announced to ``hooks.on_attendance_recorded`` listeners (funds consumes
    the lesson); it cannot be turned into an absence here.
    """
    institution = _require_operator(actor)
    locked = Enrolment.objects.select_for_update().filter(pk=enrolment.pk, institution=institution).first()
    if locked is None:
        raise Http404
    raise_if_any(_attendance_violations(session=session, enrolment=locked, present=present))
    attendance = Attendance.objects.filter(session=session, enrolment=locked).first()
    if attendance is not None and attendance.present == present:
        return attendance, False
    before = None if attendance is None else {"present": attendance.present}
    if attendance is None:
        attendance = Attendance.objects.create(
            session=session, enrolment=locked, present=present, recorded_by=actor, division_code=locked.division_code
        )
    else:
        attendance.present = present
        attendance.recorded_by = actor
        attendance.save(update_fields=["present", "recorded_by"])
    audit_record(
        actor=actor,
        action="attendance.record",
        obj=attendance,
        before=before,
        after={"session_id": session.pk, "enrolment_id": locked.pk, "present": present},
    )
    if present:
        recorded = attendance
        transaction.on_commit(lambda: _announce(recorded))
    return attendance, True


def _announce(attendance: Attendance) -> None:
    for callback in attendance_callbacks():
        callback(attendance)
