from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.courses import hooks as course_hooks
from shuangjian.courses import services as course_services
from shuangjian.courses.models import ClassGroup, Session
from shuangjian.students import hooks
from shuangjian.students.models import Attendance, Enrolment, EnrolmentStatus, Guardianship, Student
from shuangjian.students.services import (
    EnrolmentData,
    StudentData,
    attendance_record,
    check_enrolment,
    contract_confirm,
    enrolment_binding_code_renew,
    enrolment_create,
    enrolment_upsert,
    guardian_bind,
    student_session_conflicts,
)

from .factories import (
    ClassGroupFactory,
    CourseFactory,
    EnrolmentFactory,
    GuardianshipFactory,
    InstitutionFactory,
    OperatorFactory,
    ParentFactory,
    SessionFactory,
    StudentFactory,
    at,
    resident_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def _setup(capacity: int = 20) -> tuple[Any, ClassGroup]:
    operator = OperatorFactory.create()
    institution = operator.operated.institution
    group = ClassGroupFactory.create(course=CourseFactory.create(institution=institution), capacity=capacity)
    return operator, group


def _enrol(operator: Any, group: ClassGroup, **kw: Any) -> Enrolment:
    args: dict[str, Any] = {
        "actor": operator,
        "class_group": group,
        "student": StudentData(name="李小明", resident_id=resident_id(1), grade="七年级", school_code="SCH001"),
        "start_date": timezone.localdate(),
        # Within every per-charge cap funds registers (3 months, 60 hours, 5,000 yuan) whatever today is.
        "end_date": timezone.localdate() + datetime.timedelta(days=60),
        "lessons_bought": 20,
        "price_per_lesson_fen": 8000,
    }
    args.update(kw)
    return enrolment_create(**args)


def _codes(exc: pytest.ExceptionInfo[RuleViolationError]) -> set[str]:
    return {v.code for v in exc.value.violations}


# --- binding ------------------------------------------------------------------------------------------------------


def _child(n: int = 7, name: str = "王小红") -> Any:
    """A child enrolled once: the contract carries the binding code."""
    return EnrolmentFactory.create(student=StudentFactory.create(name=name, resident_id=resident_id(n)))


def test_bind_with_name_id_and_the_contract_code_links_child_and_audits() -> None:
    enrolment = _child()
    parent = ParentFactory.create()
    code = enrolment.binding_code
    guardian_bind(
        actor=parent, name=" 王小红 ", resident_id=resident_id(7).lower(), binding_code=f"{code[:4]}-{code[4:]}"
    )
    assert Guardianship.objects.filter(parent=parent, student=enrolment.student).exists()
    event = AuditEvent.objects.get(action="student.bind", actor=parent)
    assert (event.after or {})["contract_no"] == enrolment.contract_no
    enrolment.refresh_from_db()
    assert enrolment.binding_code_used_by == parent and enrolment.binding_code_used_at is not None
    # Again: no duplicate, no second event.
    guardian_bind(actor=parent, name="王小红", resident_id=resident_id(7), binding_code=code.lower())
    assert Guardianship.objects.filter(parent=parent).count() == 1
    assert AuditEvent.objects.filter(action="student.bind").count() == 1


def test_name_and_id_alone_no_longer_bind() -> None:
    enrolment = _child()
    other = _child(8, "李小明")
    parent = ParentFactory.create()
    for code in ("", "WRONG123", other.binding_code):  # none, a guess, another child's real code
        with pytest.raises(ValidationError) as exc:
            guardian_bind(actor=parent, name="王小红", resident_id=resident_id(7), binding_code=code)
        assert exc.value.code == "bind_no_match"
    assert not Guardianship.objects.exists()
    assert AuditEvent.objects.filter(action="student.bind_failed").count() == 3
    enrolment.refresh_from_db()
    assert enrolment.binding_code_used_at is None


def test_a_used_code_does_not_bind_a_second_parent_until_the_institution_renews_it() -> None:
    own, group = _setup()
    enrolment = EnrolmentFactory.create(
        class_group=group, student=StudentFactory.create(name="王小红", resident_id=resident_id(7))
    )
    code = enrolment.binding_code
    guardian_bind(actor=ParentFactory.create(), name="王小红", resident_id=resident_id(7), binding_code=code)
    second = ParentFactory.create()
    with pytest.raises(ValidationError) as exc:
        guardian_bind(actor=second, name="王小红", resident_id=resident_id(7), binding_code=code)
    assert exc.value.code == "bind_code_used"
    assert AuditEvent.objects.filter(action="student.bind_failed", after__reason="code_used").count() == 1
    assert Guardianship.objects.count() == 1
    operator = OperatorFactory.create()
    with pytest.raises(Http404):  # another institution's operator
        enrolment_binding_code_renew(actor=operator, enrolment=enrolment)
    renewed = enrolment_binding_code_renew(actor=own, enrolment=enrolment)
    assert renewed.binding_code != code and renewed.binding_code_used_at is None
    assert AuditEvent.objects.filter(action="enrolment.binding_code_renew").count() == 1
    with pytest.raises(ValidationError):  # the old code is void
        guardian_bind(actor=second, name="王小红", resident_id=resident_id(7), binding_code=code)
    guardian_bind(actor=second, name="王小红", resident_id=resident_id(7), binding_code=renewed.binding_code)
    assert Guardianship.objects.count() == 2


def test_bind_wrong_name_and_unknown_id_answer_the_same() -> None:
    code = _child().binding_code
    parent = ParentFactory.create()
    with pytest.raises(ValidationError) as wrong_name:
        guardian_bind(actor=parent, name="王小绿", resident_id=resident_id(7), binding_code=code)
    with pytest.raises(ValidationError) as unknown:
        guardian_bind(actor=parent, name="王小红", resident_id=resident_id(8), binding_code=code)
    assert wrong_name.value.messages == unknown.value.messages
    assert "不匹配" in wrong_name.value.messages[0]
    assert not Guardianship.objects.exists()
    assert AuditEvent.objects.filter(action="student.bind_failed").count() == 2


def test_bind_bad_id_says_why() -> None:
    parent = ParentFactory.create()
    bad = resident_id(7)[:-1] + ("0" if resident_id(7)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        guardian_bind(actor=parent, name="王小红", resident_id=bad, binding_code="ABCDEFGH")
    assert exc.value.code == "id_check"


def test_bind_rate_limited_even_with_correct_data(settings: Any) -> None:
    settings.STUDENT_BIND_ATTEMPTS_PER_HOUR = 3
    code = _child().binding_code
    parent = ParentFactory.create()
    for n in range(3):
        with pytest.raises(ValidationError):
            guardian_bind(actor=parent, name="猜名字", resident_id=resident_id(20 + n), binding_code="ABCDEFGH")
    with pytest.raises(ValidationError) as exc:
        guardian_bind(actor=parent, name="王小红", resident_id=resident_id(7), binding_code=code)
    assert exc.value.code == "bind_rate_limited"
    assert not Guardianship.objects.exists()
    # Another parent is not affected.
    guardian_bind(actor=ParentFactory.create(), name="王小红", resident_id=resident_id(7), binding_code=code)


def test_only_parents_bind() -> None:
    code = _child().binding_code
    operator, _ = _setup()
    with pytest.raises(Http404):
        guardian_bind(actor=operator, name="王小红", resident_id=resident_id(7), binding_code=code)


# --- enrolment ----------------------------------------------------------------------------------------------------


def test_enrolment_creates_student_contract_and_counts_seat() -> None:
    operator, group = _setup()
    enrolment = _enrol(operator, group)
    assert enrolment.status == EnrolmentStatus.PENDING
    assert enrolment.total_fee_fen == 20 * 8000
    assert enrolment.contract_no == f"HT410202-{timezone.localdate().year}-000001"
    assert enrolment.division_code == "410202"
    group.refresh_from_db()
    assert group.enrolled_count == 1
    assert Student.objects.get().resident_id == resident_id(1)
    assert AuditEvent.objects.filter(action="enrolment.create", object_id=str(enrolment.pk)).exists()
    second = _enrol(
        operator,
        ClassGroupFactory.create(course=group.course),
        student=StudentData(name="张三", resident_id=resident_id(2)),
    )
    assert second.contract_no.endswith("-000002")


def test_enrolment_reuses_existing_student_by_id() -> None:
    operator, group = _setup()
    existing = StudentFactory.create(name="李小明", resident_id=resident_id(1))
    enrolment = _enrol(operator, group)
    assert enrolment.student == existing
    assert Student.objects.count() == 1


def test_full_class_refused_and_nothing_written() -> None:
    operator, group = _setup(capacity=1)
    _enrol(operator, group)
    before = (Enrolment.objects.count(), Student.objects.count(), AuditEvent.objects.count())
    with pytest.raises(RuleViolationError) as exc:
        _enrol(operator, group, student=StudentData(name="张三", resident_id=resident_id(2)))
    assert _codes(exc) == {"class_full"}
    assert (Enrolment.objects.count(), Student.objects.count(), AuditEvent.objects.count()) == before
    group.refresh_from_db()
    assert group.enrolled_count == 1


def test_every_violation_reported_at_once() -> None:
    operator, group = _setup(capacity=0)
    with pytest.raises(RuleViolationError) as exc:
        _enrol(
            operator,
            group,
            price_per_lesson_fen=9000,
            lessons_bought=0,
            end_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert _codes(exc) == {"class_full", "price_above_filed", "lessons_not_positive", "dates_reversed"}
    assert not Enrolment.objects.exists() and not Student.objects.exists()


def test_other_institutions_class_group_refused() -> None:
    operator, _ = _setup()
    foreign = ClassGroupFactory.create()
    with pytest.raises(RuleViolationError) as exc:
        _enrol(operator, foreign)
    assert _codes(exc) == {"class_group_not_found"}
    assert not Enrolment.objects.exists()
    foreign.refresh_from_db()
    assert foreign.enrolled_count == 0


def test_overlapping_sessions_refused_touching_allowed() -> None:
    operator, group = _setup()
    other = ClassGroupFactory.create(course=group.course)
    SessionFactory.create(class_group=group, starts_at=at(3, 9), ends_at=at(3, 10))
    SessionFactory.create(class_group=other, starts_at=at(3, 9, 30), ends_at=at(3, 10, 30))
    adjacent = ClassGroupFactory.create(course=group.course)
    SessionFactory.create(class_group=adjacent, starts_at=at(3, 10), ends_at=at(3, 11))
    _enrol(operator, group)
    with pytest.raises(RuleViolationError) as exc:
        _enrol(operator, other)
    assert _codes(exc) == {"schedule_conflict"}
    assert group.name in exc.value.violations[0].message
    assert Enrolment.objects.count() == 1
    _enrol(operator, adjacent)  # 10:00 end and 10:00 start do not overlap
    assert Enrolment.objects.count() == 2


def test_session_conflicts_for_courses_app() -> None:
    operator, group = _setup()
    other = ClassGroupFactory.create(course=group.course)
    SessionFactory.create(class_group=other, starts_at=at(5, 14), ends_at=at(5, 15))
    _enrol(operator, group)
    _enrol(operator, other)
    found = student_session_conflicts(class_group=group, starts_at=at(5, 14, 30), ends_at=at(5, 15, 30))
    assert [v.code for v in found] == ["schedule_conflict"]
    assert "李小明" in found[0].message
    assert student_session_conflicts(class_group=group, starts_at=at(5, 15), ends_at=at(5, 16)) == []


def test_students_registers_the_session_check_that_courses_writes_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    # Courses cannot import students: a new session is refused for a pupil's clash only through this hook.
    assert student_session_conflicts in course_hooks.session_checks()
    operator, group = _setup()
    other = ClassGroupFactory.create(course=group.course)
    SessionFactory.create(class_group=other, starts_at=at(5, 14), ends_at=at(5, 15))
    _enrol(operator, group)
    _enrol(operator, other)

    def clash_codes() -> set[str]:
        try:
            with transaction.atomic():
                course_services.session_create(
                    actor=operator, class_group=group, starts_at=at(5, 14, 30), ends_at=at(5, 15, 30)
                )
                transaction.set_rollback(True)
        except RuleViolationError as exc:
            return {v.code for v in exc.violations}
        return set()

    assert "schedule_conflict" in clash_codes()
    monkeypatch.setattr(course_hooks, "_session_checks", [])
    assert "schedule_conflict" not in clash_codes()
    assert Session.objects.filter(class_group=group).count() == 0


def test_name_mismatch_for_known_id_refused() -> None:
    operator, group = _setup()
    StudentFactory.create(name="李小明", resident_id=resident_id(1))
    with pytest.raises(RuleViolationError) as exc:
        _enrol(operator, group, student=StudentData(name="李大明", resident_id=resident_id(1)))
    assert "student_identity_mismatch" in _codes(exc)


def test_check_enrolment_reports_without_writing() -> None:
    operator, group = _setup()
    data = EnrolmentData(
        class_group_id=group.pk,
        student=StudentData(name="李小明", resident_id="123"),
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
        lessons_bought=5,  # 5 × 999.99 yuan stays under funds' 5,000-yuan cap: only students' rules speak
        price_per_lesson_fen=99999,
    )
    found = check_enrolment(actor=operator, data=data)
    assert {v.code for v in found} == {"resident_id_invalid", "price_above_filed"}
    assert not Enrolment.objects.exists()


def test_registered_enrolment_check_runs() -> None:
    from shuangjian.core.rules import Violation

    def cap(draft: Any) -> list[Violation]:
        return [Violation("prepaid_cap", "超过上限", "test")] if draft.total_fee_fen > 100000 else []

    hooks.register_enrolment_check(cap)
    try:
        operator, group = _setup()
        with pytest.raises(RuleViolationError) as exc:
            _enrol(operator, group)
        assert _codes(exc) == {"prepaid_cap"}
    finally:
        hooks.unregister_enrolment_check(cap)


def test_upsert_is_idempotent_and_locks_after_confirmation() -> None:
    operator, group = _setup()
    data = StudentData(name="李小明", resident_id=resident_id(1))
    args: dict[str, Any] = {
        "actor": operator,
        "external_id": "E-1",
        "class_group": group,
        "student": data,
        "start_date": timezone.localdate(),
        "end_date": timezone.localdate() + datetime.timedelta(days=30),
        "lessons_bought": 10,
        "price_per_lesson_fen": 8000,
    }
    first, created = enrolment_upsert(**args)
    again, created_again = enrolment_upsert(**args)
    assert created and not created_again and first.pk == again.pk
    group.refresh_from_db()
    assert group.enrolled_count == 1
    changed, _ = enrolment_upsert(**{**args, "lessons_bought": 12})
    assert changed.total_fee_fen == 12 * 8000
    parent = GuardianshipFactory.create(student=first.student).parent
    contract_confirm(actor=parent, enrolment=first)
    with pytest.raises(RuleViolationError) as exc:
        enrolment_upsert(**{**args, "lessons_bought": 15})
    assert _codes(exc) == {"contract_already_confirmed"}
    with pytest.raises(RuleViolationError) as exc:
        enrolment_upsert(**{**args, "class_group": ClassGroupFactory.create(course=group.course)})
    assert _codes(exc) == {"enrolment_identity_changed"}


# --- contract confirmation ----------------------------------------------------------------------------------------


def test_parent_confirms_own_childs_contract_only() -> None:
    operator, group = _setup()
    enrolment = _enrol(operator, group)
    parent = GuardianshipFactory.create(student=enrolment.student).parent
    with pytest.raises(Http404):
        contract_confirm(actor=ParentFactory.create(), enrolment=enrolment)
    confirmed = contract_confirm(actor=parent, enrolment=enrolment)
    assert confirmed.status == EnrolmentStatus.ACTIVE
    assert confirmed.contract_confirmed_by == parent and confirmed.contract_confirmed_at is not None
    assert AuditEvent.objects.filter(action="enrolment.contract_confirm").count() == 1
    contract_confirm(actor=parent, enrolment=enrolment)
    assert AuditEvent.objects.filter(action="enrolment.contract_confirm").count() == 1


# --- attendance ---------------------------------------------------------------------------------------------------


def test_attendance_idempotent_fires_hook_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    operator, group = _setup()
    enrolment = EnrolmentFactory.create(class_group=group, lessons_bought=2)
    session = SessionFactory.create(class_group=group, starts_at=at(-1, 9), ends_at=at(-1, 10))
    seen: list[int] = []

    def listener(attendance: Attendance) -> None:
        seen.append(attendance.pk)

    hooks.on_attendance_recorded(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attendance, changed = attendance_record(actor=operator, session=session, enrolment=enrolment, present=True)
        assert changed and seen == [attendance.pk]
        with django_capture_on_commit_callbacks(execute=True):
            _, changed = attendance_record(actor=operator, session=session, enrolment=enrolment, present=True)
        assert not changed and seen == [attendance.pk]
    finally:
        hooks._attendance_callbacks.remove(listener)
    assert Attendance.objects.count() == 1
    with pytest.raises(RuleViolationError) as exc:
        attendance_record(actor=operator, session=session, enrolment=enrolment, present=False)
    assert _codes(exc) == {"attendance_already_present"}


def test_attendance_refusals() -> None:
    operator, group = _setup()
    enrolment = EnrolmentFactory.create(class_group=group, lessons_bought=1)
    future = SessionFactory.create(class_group=group, starts_at=at(2, 9), ends_at=at(2, 10))
    other_group = SessionFactory.create(
        class_group=ClassGroupFactory.create(course=group.course), starts_at=at(-2, 9), ends_at=at(-2, 10)
    )
    with pytest.raises(RuleViolationError) as exc:
        attendance_record(actor=operator, session=future, enrolment=enrolment, present=True)
    assert _codes(exc) == {"session_in_future"}
    with pytest.raises(RuleViolationError) as exc:
        attendance_record(actor=operator, session=other_group, enrolment=enrolment, present=True)
    assert _codes(exc) == {"session_not_in_class"}
    past1 = SessionFactory.create(class_group=group, starts_at=at(-3, 9), ends_at=at(-3, 10))
    past2 = SessionFactory.create(class_group=group, starts_at=at(-2, 9), ends_at=at(-2, 10))
    attendance_record(actor=operator, session=past1, enrolment=enrolment, present=True)
    with pytest.raises(RuleViolationError) as exc:
        attendance_record(actor=operator, session=past2, enrolment=enrolment, present=True)
    assert _codes(exc) == {"lessons_exhausted"}
    pending = EnrolmentFactory.create(class_group=group, status=EnrolmentStatus.PENDING)
    with pytest.raises(RuleViolationError) as exc:
        attendance_record(actor=operator, session=past2, enrolment=pending, present=True)
    assert _codes(exc) == {"enrolment_not_active"}
    assert Attendance.objects.count() == 1


def test_attendance_other_institution_is_404() -> None:
    operator, _ = _setup()
    enrolment = EnrolmentFactory.create(institution=InstitutionFactory.create())
    session = SessionFactory.create(class_group=enrolment.class_group, starts_at=at(-1, 9), ends_at=at(-1, 10))
    with pytest.raises(Http404):
        attendance_record(actor=operator, session=session, enrolment=enrolment, present=True)


def test_enrol_existing_student_by_id_only_if_known_to_institution() -> None:
    operator, group = _setup()
    first = _enrol(operator, group)
    second_group = ClassGroupFactory.create(course=group.course)
    again = enrolment_create(
        actor=operator,
        class_group=second_group,
        student_id=first.student_id,
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
        lessons_bought=1,
        price_per_lesson_fen=8000,
    )
    assert again.student_id == first.student_id
    stranger = StudentFactory.create()
    with pytest.raises(RuleViolationError) as exc:
        enrolment_create(
            actor=operator,
            class_group=second_group,
            student_id=stranger.pk,
            start_date=timezone.localdate(),
            end_date=timezone.localdate(),
            lessons_bought=1,
            price_per_lesson_fen=8000,
        )
    assert _codes(exc) == {"student_not_found"}


def test_external_id_reused_through_form_path_refused() -> None:
    operator, group = _setup()
    _enrol(operator, group, external_id="X-1")
    with pytest.raises(RuleViolationError) as exc:
        _enrol(
            operator,
            ClassGroupFactory.create(course=group.course),
            student=StudentData(name="张三", resident_id=resident_id(2)),
            external_id="X-1",
        )
    assert _codes(exc) == {"external_id_taken"}
    assert Enrolment.objects.count() == 1


def test_oversized_inputs_are_violations_not_errors() -> None:
    operator, group = _setup()
    group.course.price_per_lesson_fen = 100_000_000
    group.course.save()
    with pytest.raises(RuleViolationError) as exc:
        _enrol(operator, group, lessons_bought=30000, price_per_lesson_fen=100_000_000)
    assert "fee_too_large" in _codes(exc)
    with pytest.raises(RuleViolationError) as exc:
        enrolment_upsert(
            actor=operator,
            external_id="E" * 65,
            class_group=group,
            student=StudentData(name="李小明", resident_id=resident_id(1)),
            start_date=timezone.localdate(),
            end_date=timezone.localdate(),
            lessons_bought=1,
            price_per_lesson_fen=100,
        )
    assert _codes(exc) == {"external_id_invalid"}
    assert not Enrolment.objects.exists()


def test_cancel_pending_frees_seat_confirmed_cannot() -> None:
    from shuangjian.students.services import enrolment_cancel

    operator, group = _setup(capacity=1)
    enrolment = _enrol(operator, group)
    with pytest.raises(Http404):
        enrolment_cancel(actor=OperatorFactory.create(), enrolment=enrolment)
    enrolment_cancel(actor=operator, enrolment=enrolment)
    group.refresh_from_db()
    assert group.enrolled_count == 0
    assert Enrolment.objects.get().status == EnrolmentStatus.CANCELLED
    assert AuditEvent.objects.filter(action="enrolment.cancel").count() == 1
    # The seat is free again, and the same pupil may enrol anew.
    second = _enrol(operator, group)
    parent = GuardianshipFactory.create(student=second.student).parent
    contract_confirm(actor=parent, enrolment=second)
    with pytest.raises(RuleViolationError) as exc:
        enrolment_cancel(actor=operator, enrolment=second)
    assert _codes(exc) == {"contract_already_confirmed"}
    group.refresh_from_db()
    assert group.enrolled_count == 1
