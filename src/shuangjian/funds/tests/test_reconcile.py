"""Reconciliation: statement import (CSV and Excel), idempotent re-import, matching, cases, maker-checker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory

from .. import ledger, reconcile
from ..banks.simulated import SimulatedBank, StatementLineData, render_statement
from ..models import (
    AdjustmentStatus,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyStatus,
    MatchStatus,
    Statement,
    StatementLine,
)
from .conftest import World

pytestmark = pytest.mark.django_db


def book(world: World, ref: str, fen: int) -> None:
    ledger.post_payment_in(actor=None, enrolment=world.enrolment, amount_fen=fen, bank=world.bank, bank_reference=ref)


def lines(day: datetime.date, *items: tuple[str, int]) -> list[StatementLineData]:
    return [StatementLineData(ref, day, fen, "62220000", "家长") for ref, fen in items]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_matches_and_opens_one_case_per_difference(world: World, fmt: str) -> None:
    day = timezone.localdate()
    book(world, "A1", 10_000)
    book(world, "A2", 20_000)
    book(world, "A3", 30_000)  # the bank does not show it
    content = render_statement(lines(day, ("A1", 10_000), ("A2", 25_000), ("X9", 5_000)), fmt)
    result = reconcile.statement_import(actor=None, bank=world.bank, content=content, file_name=f"s.{fmt}")
    assert result.created and result.lines == 3 and result.matched == 1
    status = dict(StatementLine.objects.values_list("bank_reference", "match_status"))
    assert status == {
        "A1": MatchStatus.MATCHED,
        "A2": MatchStatus.AMOUNT_DIFFERS,
        "X9": MatchStatus.MISSING_IN_LEDGER,
    }
    kinds = dict(Discrepancy.objects.values_list("bank_reference", "kind"))
    assert kinds == {
        "A2": DiscrepancyKind.AMOUNT_DIFFERS,
        "X9": DiscrepancyKind.MISSING_IN_LEDGER,
        "A3": DiscrepancyKind.MISSING_AT_BANK,
    }
    assert Discrepancy.objects.get(bank_reference="A2").ledger_amount_fen == 20_000

    again = reconcile.statement_import(actor=None, bank=world.bank, content=content, file_name="again")
    assert not again.created and again.statement.pk == result.statement.pk
    assert Statement.objects.count() == 1 and StatementLine.objects.count() == 3 and Discrepancy.objects.count() == 3


def test_overlapping_file_skips_lines_already_imported(world: World) -> None:
    day = timezone.localdate()
    book(world, "B1", 10_000)
    reconcile.statement_import(actor=None, bank=world.bank, content=render_statement(lines(day, ("B1", 10_000)), "csv"))
    second = reconcile.statement_import(
        actor=None,
        bank=world.bank,
        content=render_statement(lines(day, ("B1", 10_000), ("B2", 1_000)), "csv"),
    )
    assert second.created and second.lines == 1 and second.skipped_duplicates == 1
    assert StatementLine.objects.filter(bank_reference="B1").count() == 1


def test_bad_file_is_refused_whole_with_the_line_named(world: World) -> None:
    content = (
        b"bank_reference,value_date,amount,account_no,counterparty,memo\nC1,2026-03-02,10.00,,,\nC2,2026-13-02,1,,,\n"
    )
    with pytest.raises(reconcile.StatementError) as exc:
        reconcile.statement_import(actor=None, bank=world.bank, content=content)
    assert "第 3 行" in exc.value.messages[0]
    assert not Statement.objects.exists() and not StatementLine.objects.exists()
    with pytest.raises(reconcile.StatementError):
        reconcile.statement_import(actor=None, bank=world.bank, content=b"foo,bar\n1,2\n")


def test_simulated_bank_day_with_differences(world: World) -> None:
    day = timezone.localdate()
    day = timezone.localdate()
    book(world, "D1", 10_000)
    book(world, "D2", 10_000)
    sim = SimulatedBank(world.bank)
    content = render_statement(sim.statement_lines(day, extra=lines(day, ("D1", 10_000), ("D2", 10_000))), "csv")
    result = reconcile.statement_import(actor=None, bank=world.bank, content=content)
    assert result.matched == 2 and result.discrepancies == 0


def test_adjustment_needs_a_second_person(world: World) -> None:
    day = timezone.localdate()
    content = render_statement(lines(day, ("E1", 7_700)), "csv")
    reconcile.statement_import(actor=None, bank=world.bank, content=content)
    case = Discrepancy.objects.get(bank_reference="E1")
    maker = RegulatorFactory.create()
    checker = RegulatorFactory.create()
    proposed = reconcile.suggested_lines(case)
    assert sum(amount for _key, amount in proposed) == 0
    with pytest.raises(RuleViolationError):
        reconcile.adjustment_propose(actor=maker, discrepancy=case, lines=proposed, reason="")
    adjustment = reconcile.adjustment_propose(actor=maker, discrepancy=case, lines=proposed, reason="银行收款未通知")
    case.refresh_from_db()
    assert case.status == DiscrepancyStatus.ADJUSTING
    assert ledger.account_suspense(world.bank).balance_fen == 0
    with pytest.raises(RuleViolationError) as exc:
        reconcile.adjustment_approve(actor=maker, adjustment=adjustment)
    assert exc.value.violations[0].code == "maker_checker"
    assert ledger.account_suspense(world.bank).balance_fen == 0
    reconcile.adjustment_approve(actor=checker, adjustment=adjustment, note="核对无误")
    adjustment.refresh_from_db()
    case.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED and adjustment.checker == checker
    assert case.status == DiscrepancyStatus.RESOLVED
    assert ledger.account_suspense(world.bank).balance_fen == 7_700
    assert AuditEvent.objects.filter(action="funds.adjustment_propose", actor=maker).exists()
    assert AuditEvent.objects.filter(action="funds.adjustment_approve", actor=checker).exists()
    assert ledger.ledger_invariant_problems() == []


def test_unbalanced_adjustment_is_refused(world: World) -> None:
    day = timezone.localdate()
    reconcile.statement_import(actor=None, bank=world.bank, content=render_statement(lines(day, ("F1", 100)), "csv"))
    case = Discrepancy.objects.get(bank_reference="F1")
    cash = ledger.account_bank_unallocated_cash(world.bank)
    suspense = ledger.account_suspense(world.bank)
    with pytest.raises(ledger.LedgerError):
        reconcile.adjustment_propose(
            actor=RegulatorFactory.create(), discrepancy=case, lines=[(cash.key, 100), (suspense.key, -90)], reason="x"
        )


def test_rejected_adjustment_reopens_the_case(world: World) -> None:
    day = timezone.localdate()
    reconcile.statement_import(actor=None, bank=world.bank, content=render_statement(lines(day, ("G1", 100)), "csv"))
    case = Discrepancy.objects.get(bank_reference="G1")
    adjustment = reconcile.adjustment_propose(
        actor=RegulatorFactory.create(), discrepancy=case, lines=reconcile.suggested_lines(case), reason="x"
    )
    reconcile.adjustment_reject(actor=RegulatorFactory.create(), adjustment=adjustment, note="证据不足")
    case.refresh_from_db()
    assert case.status == DiscrepancyStatus.OPEN
    assert ledger.account_suspense(world.bank).balance_fen == 0


def test_repeated_reference_in_one_file_counts_once_and_totals_follow_the_lines_kept(world: World) -> None:
    day = timezone.localdate()
    book(world, "H1", 10_000)
    content = render_statement(lines(day, ("H1", 10_000), ("H1", 10_000), ("H2", -2_500)), "csv")
    result = reconcile.statement_import(actor=None, bank=world.bank, content=content)
    assert result.lines == 2 and result.skipped_duplicates == 1 and result.matched == 1
    statement = result.statement
    assert (statement.line_count, statement.total_in_fen, statement.total_out_fen) == (2, 10_000, 2_500)
    assert StatementLine.objects.get(bank_reference="H1").line_no == 2
    after = AuditEvent.objects.filter(action="funds.statement_import").latest("pk").after or {}
    assert (after["lines"], after["skipped_duplicates"], after["discrepancies"]) == (2, 1, 1)


def test_movement_the_bank_shows_a_day_late_settles_the_missing_at_bank_case(world: World) -> None:
    day = timezone.localdate()
    book(world, "J1", 10_000)
    book(world, "J2", 4_000)
    reconcile.statement_import(
        actor=None, bank=world.bank, content=render_statement(lines(day, ("J1", 10_000)), "csv"), statement_date=day
    )
    case = Discrepancy.objects.get(bank_reference="J2")
    assert case.kind == DiscrepancyKind.MISSING_AT_BANK and case.status == DiscrepancyStatus.OPEN
    assert case.ledger_amount_fen == 4_000 and case.institution_id == world.institution.pk
    later = render_statement(lines(day + datetime.timedelta(days=1), ("J2", 4_000)), "csv")
    result = reconcile.statement_import(actor=None, bank=world.bank, content=later)
    assert result.matched == 1 and result.discrepancies == 0
    case.refresh_from_db()
    assert case.status == DiscrepancyStatus.RESOLVED and case.resolved_at is not None


def test_case_is_attributed_to_the_institution_owning_the_custody_account(world: World) -> None:
    day = timezone.localdate()
    account = world.institution.custody_accounts.get()
    content = render_statement(
        [
            StatementLineData("K1", day, 3_000, account.account_no, "家长"),
            StatementLineData("K2", day, 1_000, "99999999", "家长"),
        ],
        "csv",
    )
    reconcile.statement_import(actor=None, bank=world.bank, content=content)
    k1 = Discrepancy.objects.get(bank_reference="K1")
    k2 = Discrepancy.objects.get(bank_reference="K2")
    assert k1.kind == DiscrepancyKind.MISSING_IN_LEDGER and k1.bank_amount_fen == 3_000
    assert (k1.institution_id, k1.division_code) == (world.institution.pk, account.division_code)
    assert k1.statement_line == StatementLine.objects.get(bank_reference="K1")
    assert k2.institution_id is None
