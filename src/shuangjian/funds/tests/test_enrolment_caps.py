"""Funds' per-charge caps reach enrolment through ``students.hooks``, registered at start-up, with funds' numbers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shuangjian.core.rules import RuleViolationError
from shuangjian.funds.enrolment_caps import check_enrolment_fee_caps
from shuangjian.students import hooks
from shuangjian.students.models import Enrolment
from shuangjian.students.services import EnrolmentData, StudentData, check_enrolment, enrolment_create
from shuangjian.students.tests.factories import ClassGroupFactory, CourseFactory, OperatorFactory, resident_id

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def _args(**kw: Any) -> dict[str, Any]:
    operator = OperatorFactory.create()
    course = CourseFactory.create(institution=operator.operated.institution, price_per_lesson_fen=30000)
    group = ClassGroupFactory.create(course=course)
    args: dict[str, Any] = {
        "actor": operator,
        "class_group": group,
        "student": StudentData(name="李小明", resident_id=resident_id(1)),
        "start_date": TODAY,
        "end_date": TODAY + datetime.timedelta(days=30),
        "lessons_bought": 20,  # 20 × 300 yuan = 6,000 yuan: over the 5,000-yuan cap, under 60 hours
        "price_per_lesson_fen": 30000,
    }
    args.update(kw)
    return args


def _codes(exc: pytest.ExceptionInfo[RuleViolationError]) -> set[str]:
    return {v.code for v in exc.value.violations}


def test_funds_registers_its_check_at_start_up() -> None:
    assert check_enrolment_fee_caps in hooks.enrolment_checks()


def test_an_enrolment_over_the_amount_cap_is_refused_with_the_strictest_cap_named() -> None:
    args = _args()
    with pytest.raises(RuleViolationError) as exc:
        enrolment_create(**args)
    assert _codes(exc) == {"charge_max_amount"}
    message = exc.value.violations[0].message
    assert "5000.00 元" in message or "5,000.00 元" in message
    assert "16 课时" in message  # 5,000 ÷ 300 yuan: the strictest cap in class hours
    assert Enrolment.objects.count() == 0
    assert _codes_of(_dry_run(args)) == {"charge_max_amount"}  # the dry run says the same


def _dry_run(args: dict[str, Any]) -> list[Any]:
    """The compliance check of the same enrolment, as an institution's system would ask for it."""
    data = EnrolmentData(
        class_group_id=args["class_group"].pk,
        **{k: v for k, v in args.items() if k not in {"actor", "class_group"}},
    )
    return check_enrolment(actor=args["actor"], data=data)


def _codes_of(found: list[Any]) -> set[str]:
    return {v.code for v in found}


def test_hours_and_period_caps_and_the_settings_in_force(settings: Any) -> None:
    args = _args(
        lessons_bought=61,
        price_per_lesson_fen=1000,
        end_date=TODAY + datetime.timedelta(days=120),
    )
    found = _dry_run(args)
    assert _codes_of(found) == {"charge_max_class_hours", "charge_max_months"}
    assert {v.field for v in found} == {"lessons_bought", "end_date"}
    settings.FUNDS_MAX_CHARGE_CLASS_HOURS = 80
    settings.FUNDS_MAX_CHARGE_MONTHS = 6
    assert _dry_run(args) == []


def test_unregistering_the_check_changes_the_outcome() -> None:
    args = _args()
    hooks.unregister_enrolment_check(check_enrolment_fee_caps)
    try:
        enrolment = enrolment_create(**args)
    finally:
        hooks.register_enrolment_check(check_enrolment_fee_caps)
    assert enrolment.total_fee_fen == 20 * 30000
