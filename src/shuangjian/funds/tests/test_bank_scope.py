"""Bank operators act only for their own bank; unattributed reconciliation cases reach the bank's area and operators."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from shuangjian.core.models import Role, User
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory

from .. import release, selectors, services
from ..banks.simulated import StatementLineData, render_statement
from ..models import Bank, BankInstructionBatch, BankOperator, Discrepancy, InstructionStatus, Statement
from ..reconcile import statement_import
from .conftest import World
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory, parent_of
from .test_release import attend, pay

pytestmark = pytest.mark.django_db


def operator_of(bank: Bank) -> User:
    user = UserFactory.create(role=Role.BANK_OPERATOR, scope_code="4102")
    services.bank_operator_link(actor=None, user=user, bank=bank)
    return user


def released_batch(world: World) -> BankInstructionBatch:
    pay(world, 50_000)
    request = release.consumption_request_create_for_attendance(attend(world, datetime.date(2026, 3, 2)))
    assert request is not None
    release.consumption_confirm(actor=parent_of(world.enrolment), request=request)
    batch = release.release_batch_create(actor=None, bank=world.bank)
    assert batch is not None
    return batch


def other_world() -> World:
    bank = BankFactory.create(code="otherbank")
    institution = InstitutionFactory.create()
    CustodyAccountFactory.create(institution=institution, bank=bank)
    enrolment = EnrolmentFactory.create(class_group__course__institution=institution)
    return World(bank=bank, institution=institution, enrolment=enrolment)


def unknown_line(bank: Bank, ref: str, fen: int = 7_700) -> Discrepancy:
    """Import a statement line into an account number nobody knows: an unattributed case."""
    content = render_statement([StatementLineData(ref, timezone.localdate(), fen, "00000000", "某人", "存入")], "csv")
    statement_import(actor=None, bank=bank, content=content, file_name="daily.csv")
    case = Discrepancy.objects.get(bank=bank, bank_reference=ref)
    assert case.institution_id is None and case.division_code == ""
    return case


def test_bank_operator_sees_and_acts_only_for_their_own_bank(world: World, client: Client) -> None:
    ours = released_batch(world)
    other = other_world()
    theirs = released_batch(other)
    operator = operator_of(world.bank)
    client.force_login(operator)
    page = client.get("/funds/bank/").content.decode()
    assert ours.reference in page and theirs.reference not in page
    assert other.bank.name not in page
    assert client.get(f"/funds/bank/batches/{theirs.pk}/download/").status_code == 404
    assert client.post(f"/funds/bank/batches/{theirs.pk}/execute/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == InstructionStatus.DRAFT
    assert client.post(f"/funds/bank/batches/{ours.pk}/execute/").status_code == 302
    ours.refresh_from_db()
    assert ours.status == InstructionStatus.EXECUTED

    # Generating batches covers their own bank only.
    request = release.consumption_request_create_for_attendance(attend(other, datetime.date(2026, 3, 3)))
    assert request is not None
    release.consumption_confirm(actor=parent_of(other.enrolment), request=request)
    client.post("/funds/bank/")
    assert not BankInstructionBatch.objects.filter(bank=other.bank).exclude(pk=theirs.pk).exists()

    # Statements: importing for another bank is refused; the other bank's statements and cases stay hidden.
    content = render_statement([StatementLineData("X1", timezone.localdate(), 100, "", "", "")], "csv")
    r = client.post("/funds/reconcile/", {"bank": other.bank.pk, "file": io.BytesIO(content)}, follow=True)
    assert "请选择银行并上传对账单文件" in r.content.decode()
    assert not Statement.objects.filter(bank=other.bank).exists()
    r = client.post("/funds/reconcile/", {"bank": "x", "file": io.BytesIO(content)}, follow=True)
    assert r.status_code == 200
    case = unknown_line(other.bank, "THEIRS1")
    assert client.get(f"/funds/reconcile/cases/{case.pk}/").status_code == 404
    own_case = unknown_line(world.bank, "OURS1")
    page = client.get("/funds/reconcile/?status=open").content.decode()
    assert "OURS1" in page and "THEIRS1" not in page
    assert client.get(f"/funds/reconcile/cases/{own_case.pk}/").status_code == 200
    assert list(selectors.statements_for_user(operator).values_list("bank_id", flat=True).distinct()) == [world.bank.pk]
    assert list(selectors.custody_accounts_for_user(operator).values_list("bank_id", flat=True).distinct()) == [
        world.bank.pk
    ]


def test_unlinked_bank_operator_reaches_nothing(world: World, client: Client) -> None:
    batch = released_batch(world)
    client.force_login(UserFactory.create(role=Role.BANK_OPERATOR, scope_code="4102"))
    assert batch.reference not in client.get("/funds/bank/").content.decode()
    assert client.get(f"/funds/bank/batches/{batch.pk}/download/").status_code == 404
    case = unknown_line(world.bank, "U1")
    assert client.get(f"/funds/reconcile/cases/{case.pk}/").status_code == 404


def test_only_bank_operator_accounts_can_be_linked(world: World) -> None:
    with pytest.raises(RuleViolationError):
        services.bank_operator_link(actor=None, user=RegulatorFactory.create(), bank=world.bank)
    operator = operator_of(world.bank)
    services.bank_operator_link(actor=None, user=operator, bank=other_world().bank)
    assert BankOperator.objects.get(user=operator).bank.code == "otherbank"


@pytest.mark.parametrize(
    ("bank_division", "sees", "does_not_see"),
    [
        ("410202", ["410202", "4102"], ["410212", "4101"]),  # a county branch: that county and its city
        ("4102", ["4102"], ["410202", "410212"]),  # a city-wide branch: the city's regulators
        ("", [], ["410202", "4102"]),  # no service division yet: platform admins and the bank's operators
    ],
)
def test_unattributed_cases_reach_the_regulators_of_the_banks_area(
    world: World, client: Client, bank_division: str, sees: list[str], does_not_see: list[str]
) -> None:
    world.bank.division_code = bank_division
    world.bank.save(update_fields=["division_code"])
    case = unknown_line(world.bank, "UNATTR1")
    for scope in sees:
        client.force_login(RegulatorFactory.create(scope_code=scope))
        assert "UNATTR1" in client.get("/funds/reconcile/").content.decode(), scope
        assert client.get(f"/funds/reconcile/cases/{case.pk}/").status_code == 200, scope
    for scope in does_not_see:
        client.force_login(RegulatorFactory.create(scope_code=scope))
        assert "UNATTR1" not in client.get("/funds/reconcile/").content.decode(), scope
        assert client.get(f"/funds/reconcile/cases/{case.pk}/").status_code == 404, scope
    client.force_login(operator_of(world.bank))
    assert client.get(f"/funds/reconcile/cases/{case.pk}/").status_code == 200
    client.force_login(operator_of(BankFactory.create(code="elsewhere", division_code=bank_division)))
    assert client.get(f"/funds/reconcile/cases/{case.pk}/").status_code == 404


def test_a_regulator_who_sees_an_unattributed_case_can_work_it(world: World, client: Client) -> None:
    world.bank.division_code = "410202"
    world.bank.save(update_fields=["division_code"])
    case = unknown_line(world.bank, "WORK1")
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    r = client.post(f"/funds/reconcile/cases/{case.pk}/", {"action": "close", "note": "银行冲正，已核实"}, follow=True)
    assert "差异已关闭" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "resolved"


def test_bank_service_division_is_set_on_the_banks_page(db: object, client: Client) -> None:
    from shuangjian.core.tests.factories import DivisionFactory, PlatformAdminFactory

    DivisionFactory.create(code="4102", name="开封市", level="city")
    client.force_login(PlatformAdminFactory.create())
    new = {"code": "kf1", "name": "开封一行", "statement_format": "csv"}
    r = client.post("/funds/banks/", {**new, "division_code": "4199"})
    assert "请填写已有的省、市或县区代码" in r.content.decode()
    assert not Bank.objects.filter(code="kf1").exists()
    client.post("/funds/banks/", {**new, "division_code": "4102"})
    bank = Bank.objects.get(code="kf1")
    assert bank.division_code == "4102"
    client.post(
        "/funds/banks/",
        {"bank": bank.pk, "statement_format": "csv", "signature_scheme": "body", "division_code": ""},
    )
    bank.refresh_from_db()
    assert bank.division_code == ""


def test_admin_links_of_bank_operators_are_checked_and_audited(world: World, client: Client) -> None:
    from shuangjian.core.models import AuditEvent
    from shuangjian.core.tests.factories import PlatformAdminFactory

    client.force_login(PlatformAdminFactory.create())
    clerk = UserFactory.create(role=Role.BANK_OPERATOR, scope_code="4102")
    regulator = RegulatorFactory.create()
    refused = client.post("/admin/funds/bankoperator/add/", {"user": regulator.pk, "bank": world.bank.pk})
    assert refused.status_code == 200
    assert "只有托管银行操作员账号可以关联银行" in refused.content.decode()
    assert not BankOperator.objects.filter(user=regulator).exists()
    added = client.post("/admin/funds/bankoperator/add/", {"user": clerk.pk, "bank": world.bank.pk})
    assert added.status_code == 302
    link = BankOperator.objects.get(user=clerk)
    assert AuditEvent.objects.filter(action="admin.bankoperator_add", object_id=str(link.pk)).exists()
    client.post(f"/admin/funds/bankoperator/{link.pk}/delete/", {"post": "yes"})
    assert not BankOperator.objects.filter(user=clerk).exists()
    assert AuditEvent.objects.filter(action="admin.bankoperator_delete", object_id=str(link.pk)).exists()
