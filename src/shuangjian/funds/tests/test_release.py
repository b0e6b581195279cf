"""一课一消 end to end: attendance → request → confirm / dispute / auto-confirm → ledger → bank batch."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from shuangjian.core.calendar import add_working_days, working_days_between
from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.courses.models import Session
from shuangjian.students.models import Attendance

from .. import ledger, release
from ..models import BankInstruction, ConsumptionStatus, InstructionStatus, JournalEntry
from .conftest import World
from .factories import parent_of

pytestmark = pytest.mark.django_db


def attend(world: World, day: datetime.date, hour: int = 9) -> Attendance:
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    session = Session.objects.create(
        class_group=world.enrolment.class_group,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=45),
        division_code=world.enrolment.division_code,
    )
    return Attendance.objects.create(
        session=session,
        enrolment=world.enrolment,
        recorded_by=UserFactory.create(),
        division_code=world.enrolment.division_code,
    )


def pay(world: World, fen: int) -> None:
    ledger.post_payment_in(actor=None, enrolment=world.enrolment, amount_fen=fen, bank=world.bank)


def test_attendance_creates_one_request_per_lesson(world: World) -> None:
    attendance = attend(world, datetime.date(2026, 3, 2))
    first = release.consumption_request_create_for_attendance(attendance)
    again = release.consumption_request_create_for_attendance(attendance)
    assert first is not None and again is not None and first.pk == again.pk
    assert first.amount_fen == world.enrolment.price_per_lesson_fen
    assert first.status == ConsumptionStatus.PENDING


def test_absent_student_consumes_nothing(world: World) -> None:
    attendance = attend(world, datetime.date(2026, 3, 2))
    attendance.present = False
    assert release.consumption_request_create_for_attendance(attendance) is None


def test_confirm_moves_price_to_institution(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent, request=request)
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 40_000
    assert ledger.account_institution_settled(world.institution).balance_fen == 10_000
    request.refresh_from_db()
    assert request.status == ConsumptionStatus.CONFIRMED and request.release_entry_id is not None
    assert AuditEvent.objects.filter(action="funds.consumption_confirm").exists()
    with pytest.raises(RuleViolationError):
        release.consumption_confirm(actor=parent, request=request)
    assert ledger.ledger_invariant_problems() == []


def test_confirm_without_custody_money_releases_nothing(world: World) -> None:
    parent = parent_of(world.enrolment)
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent, request=request)
    request.refresh_from_db()
    assert request.status == ConsumptionStatus.CONFIRMED and request.release_entry_id is None
    assert not JournalEntry.objects.filter(kind="release").exists()
    assert release.consumption_release_uncovered() == 0
    pay(world, 10_000)  # the parent pays later: the confirmed lesson is released then, once
    assert release.consumption_release_uncovered() == 1
    assert release.consumption_release_uncovered() == 0
    assert ledger.account_institution_settled(world.institution).balance_fen == 10_000


def test_dispute_goes_to_regulator_who_decides(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    regulator = RegulatorFactory.create()
    one = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    two = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 3)))
    assert one is not None and two is not None
    with pytest.raises(RuleViolationError):
        release.consumption_dispute(actor=parent, request=one, reason="  ")
    release.consumption_dispute(actor=parent, request=one, reason="孩子当天请假未到")
    release.consumption_dispute(actor=parent, request=two, reason="老师未上课")
    assert ledger.account_institution_settled(world.institution).balance_fen == 0
    release.consumption_dispute_resolve(actor=regulator, request=one, upheld=True, note="核实确未到课")
    release.consumption_dispute_resolve(actor=regulator, request=two, upheld=False, note="签到记录与视频一致")
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == ConsumptionStatus.UPHELD and one.release_entry_id is None
    assert two.status == ConsumptionStatus.CONFIRMED and two.release_entry_id is not None
    assert ledger.account_institution_settled(world.institution).balance_fen == 10_000


def test_auto_confirm_counts_working_days_across_a_holiday(world: World) -> None:
    pay(world, 50_000)
    lesson = datetime.date(2026, 9, 28)  # National Day week follows
    request = release.consumption_request_create_for_attendance(attend(world, lesson))
    assert request is not None
    assert request.due_date == add_working_days(lesson, 15)
    assert working_days_between(lesson, request.due_date) == 15
    # 15 weekdays after 28 Sep is 16 Oct; the holiday pushes the deadline later.
    assert request.due_date > datetime.date(2026, 10, 16)
    assert release.consumption_auto_confirm_due(today=request.due_date) == 0
    assert release.consumption_auto_confirm_due(today=request.due_date + datetime.timedelta(days=1)) == 1
    request.refresh_from_db()
    assert request.status == ConsumptionStatus.AUTO_CONFIRMED and request.release_entry_id is not None
    assert release.consumption_auto_confirm_due(today=request.due_date + datetime.timedelta(days=5)) == 0


def test_release_batch_pays_out_once(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    for day in (2, 3):
        request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, day)))
        assert request is not None
        release.consumption_confirm(actor=parent, request=request)
    batch = release.release_batch_create(actor=None, bank=world.bank)
    assert batch is not None and batch.total_fen == 20_000 and batch.item_count == 1
    # Nothing new is instructed while the first instruction is outstanding.
    assert release.release_batch_create(actor=None, bank=world.bank) is None
    assert release.instruction_batch_execute_simulated(actor=None, batch=batch) == 1
    assert BankInstruction.objects.get(batch=batch).status == InstructionStatus.EXECUTED
    assert ledger.account_institution_settled(world.institution).balance_fen == 0
    assert ledger.account_custody_cash(world.institution).balance_fen == 30_000
    assert release.instruction_batch_execute_simulated(actor=None, batch=batch) == 0
    assert ledger.ledger_invariant_problems() == []


def test_failed_instruction_keeps_money_owed_and_can_be_instructed_again(world: World) -> None:
    pay(world, 50_000)
    parent = parent_of(world.enrolment)
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent, request=request)
    batch = release.release_batch_create(actor=None, bank=world.bank)
    assert batch is not None
    ref = BankInstruction.objects.get(batch=batch).reference
    release.instruction_batch_execute_simulated(actor=None, batch=batch, fail_references=(ref,))
    assert ledger.account_institution_settled(world.institution).balance_fen == 10_000
    again = release.release_batch_create(actor=None, bank=world.bank)
    assert again is not None and again.total_fen == 10_000


def test_release_listens_to_recorded_attendance() -> None:
    from shuangjian.students.hooks import attendance_callbacks

    assert release.on_attendance_recorded in attendance_callbacks()
