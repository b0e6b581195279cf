"""Reconciliation differences are resolved by name; the postings are built by the service; the bank operator
records only its side of a case; a regulator's ledger resolution still needs a second regulator."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory

from .. import ledger, reconcile, services
from ..banks.simulated import StatementLineData, render_statement
from ..models import (
    AdjustmentStatus,
    Discrepancy,
    DiscrepancyStatus,
    ManualAdjustment,
    PaymentOrder,
    PaymentOrderStatus,
)
from ..reconcile import Resolution
from .conftest import World
from .test_bank_scope import operator_of

pytestmark = pytest.mark.django_db


def import_day(world: World, *items: tuple[str, int], account_no: str = "62220000") -> None:
    day = timezone.localdate()
    content = render_statement([StatementLineData(ref, day, fen, account_no, "家长") for ref, fen in items], "csv")
    reconcile.statement_import(actor=None, bank=world.bank, content=content, file_name="daily.csv")


def book(world: World, ref: str, fen: int) -> None:
    ledger.post_payment_in(actor=None, enrolment=world.enrolment, amount_fen=fen, bank=world.bank, bank_reference=ref)


def pending_order(world: World) -> PaymentOrder:
    today = timezone.localdate()
    return services.payment_order_create(
        actor=None,
        enrolment=world.enrolment,
        class_hours=10,
        period_start=today,
        period_end=today + datetime.timedelta(days=60),
        today=today,
    )


def approve(adjustment: ManualAdjustment) -> None:
    reconcile.adjustment_approve(actor=RegulatorFactory.create(), adjustment=adjustment)


def test_unbooked_payment_is_booked_to_its_order_by_name(world: World) -> None:
    order = pending_order(world)  # 1,000 yuan
    import_day(world, ("P1", order.amount_fen))
    case = Discrepancy.objects.get(bank_reference="P1")
    regulator = RegulatorFactory.create()
    assert reconcile.candidate_orders(case) == [order]
    assert Resolution.BOOK_TO_ORDER in reconcile.resolutions_for(case, regulator)
    adjustment = reconcile.discrepancy_resolve(
        actor=regulator, discrepancy=case, resolution=Resolution.BOOK_TO_ORDER, order=order
    )
    assert isinstance(adjustment, ManualAdjustment) and adjustment.status == AdjustmentStatus.PROPOSED
    # The maker cannot approve their own resolution.
    with pytest.raises(RuleViolationError):
        reconcile.adjustment_approve(actor=regulator, adjustment=adjustment)
    approve(adjustment)
    order.refresh_from_db()
    assert order.status == PaymentOrderStatus.PAID and order.entry_id is not None
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == order.amount_fen
    assert Discrepancy.objects.get(pk=case.pk).status == DiscrepancyStatus.RESOLVED
    assert ledger.ledger_invariant_problems() == []


def test_booking_to_an_order_of_another_amount_is_refused(world: World) -> None:
    order = pending_order(world)
    import_day(world, ("P2", order.amount_fen + 1))
    case = Discrepancy.objects.get(bank_reference="P2")
    with pytest.raises(RuleViolationError):
        reconcile.discrepancy_resolve(
            actor=RegulatorFactory.create(), discrepancy=case, resolution=Resolution.BOOK_TO_ORDER, order=order
        )
    assert Discrepancy.objects.get(pk=case.pk).status == DiscrepancyStatus.OPEN
    assert not ManualAdjustment.objects.exists()


def test_unknown_money_moves_to_suspense_by_name(world: World) -> None:
    import_day(world, ("U1", 7_700))
    case = Discrepancy.objects.get(bank_reference="U1")
    adjustment = reconcile.discrepancy_resolve(
        actor=RegulatorFactory.create(), discrepancy=case, resolution=Resolution.TO_SUSPENSE, note="付款人不明"
    )
    assert isinstance(adjustment, ManualAdjustment)
    assert adjustment.reason.startswith(str(Resolution.TO_SUSPENSE.label))
    approve(adjustment)
    assert ledger.account_suspense(world.bank).balance_fen == 7_700
    assert ledger.ledger_invariant_problems() == []


def test_amount_difference_is_corrected_to_the_bank_amount(world: World) -> None:
    book(world, "A1", 20_000)
    import_day(world, ("A1", 15_000))
    case = Discrepancy.objects.get(bank_reference="A1")
    regulator = RegulatorFactory.create()
    # The bank holds less than the ledger: nothing to park in suspense.
    assert Resolution.TO_SUSPENSE not in reconcile.resolutions_for(case, regulator)
    adjustment = reconcile.discrepancy_resolve(actor=regulator, discrepancy=case, resolution=Resolution.CORRECT_AMOUNT)
    assert isinstance(adjustment, ManualAdjustment)
    approve(adjustment)
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 15_000
    assert ledger.account_custody_cash(world.institution).balance_fen == 15_000


def test_movement_missing_at_the_bank_is_reversed_by_name(world: World) -> None:
    book(world, "M1", 30_000)
    import_day(world, ("OTHER", 1))
    case = Discrepancy.objects.get(bank_reference="M1")
    adjustment = reconcile.discrepancy_resolve(
        actor=RegulatorFactory.create(), discrepancy=case, resolution=Resolution.REVERSE_ENTRY
    )
    assert isinstance(adjustment, ManualAdjustment)
    approve(adjustment)
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == 0


def test_resolution_that_does_not_fit_the_case_is_refused(world: World) -> None:
    import_day(world, ("U2", 5_000))
    case = Discrepancy.objects.get(bank_reference="U2")
    with pytest.raises(RuleViolationError):
        reconcile.discrepancy_resolve(
            actor=RegulatorFactory.create(), discrepancy=case, resolution=Resolution.IN_TRANSIT
        )


def test_bank_operator_records_its_side_but_cannot_change_the_ledger(world: World) -> None:
    import_day(world, ("U3", 5_000))
    case = Discrepancy.objects.get(bank_reference="U3")
    bank_user = operator_of(world.bank)
    assert reconcile.resolutions_for(case, bank_user) == [Resolution.RETURN_TO_PAYER]
    with pytest.raises(RuleViolationError):
        reconcile.discrepancy_resolve(actor=bank_user, discrepancy=case, resolution=Resolution.TO_SUSPENSE)
    assert not ManualAdjustment.objects.exists()
    with pytest.raises(RuleViolationError):  # returning money needs the payer and the return's reference
        reconcile.discrepancy_resolve(actor=bank_user, discrepancy=case, resolution=Resolution.RETURN_TO_PAYER)
    reconcile.discrepancy_resolve(
        actor=bank_user, discrepancy=case, resolution=Resolution.RETURN_TO_PAYER, note="已退回张某，流水 R123"
    )
    case.refresh_from_db()
    assert case.status == DiscrepancyStatus.RESOLVED and "R123" in case.note
    assert AuditEvent.objects.filter(action="funds.discrepancy_resolve", actor=bank_user).exists()


def test_pages_offer_resolutions_by_name_per_role(world: World, client: Client) -> None:
    order = pending_order(world)
    account_no = world.institution.custody_accounts.get().account_no
    import_day(world, ("P9", order.amount_fen), account_no=account_no)
    case = Discrepancy.objects.get(bank_reference="P9")
    assert case.institution_id == world.institution.pk
    client.force_login(RegulatorFactory.create(scope_code="4102"))
    page = client.get(f"/funds/reconcile/cases/{case.pk}/").content.decode()
    assert str(Resolution.BOOK_TO_ORDER.label) in page and order.order_no in page
    client.post(
        f"/funds/reconcile/cases/{case.pk}/",
        {"action": "resolve", "resolution": Resolution.BOOK_TO_ORDER, "order_no": order.order_no},
    )
    assert ManualAdjustment.objects.get().lines[-1]["order_no"] == order.order_no

    import_day(world, ("U9", 4_400), account_no=account_no)
    other = Discrepancy.objects.get(bank_reference="U9")
    bank_user = operator_of(world.bank)
    client.force_login(bank_user)
    page = client.get(f"/funds/reconcile/cases/{other.pk}/").content.decode()
    assert str(Resolution.RETURN_TO_PAYER.label) in page and str(Resolution.TO_SUSPENSE.label) not in page
    client.post(f"/funds/reconcile/cases/{other.pk}/", {"action": "resolve", "resolution": "to_suspense"})
    assert Discrepancy.objects.get(pk=other.pk).status == DiscrepancyStatus.OPEN
    client.post(
        f"/funds/reconcile/cases/{other.pk}/",
        {"action": "resolve", "resolution": "return_to_payer", "note": "已退回，流水 R9"},
    )
    assert Discrepancy.objects.get(pk=other.pk).status == DiscrepancyStatus.RESOLVED


def test_booking_to_an_order_is_not_offered_when_no_order_fits(world: World) -> None:
    import_day(world, ("N1", 12_345))
    case = Discrepancy.objects.get(bank_reference="N1")
    offered = reconcile.resolutions_for(case, RegulatorFactory.create())
    assert Resolution.BOOK_TO_ORDER not in offered and Resolution.TO_SUSPENSE in offered
