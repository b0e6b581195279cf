from __future__ import annotations

from shuangjian.core.models import AuditEvent
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory
from shuangjian.registry.models import Institution, SupervisionMode

from ..models import Bank, CustodyAccount, RiskDeposit
from .factories import BankFactory, CustodyAccountFactory, InstitutionFactory


def _custody_post(client, inst, bank, account_no="62220001", settlement_account_no="410501000001"):
    return client.post(
        "/funds/setup/",
        {
            "c-uscc": inst.uscc,
            "c-bank": bank.pk,
            "c-account_no": account_no,
            "c-opened_on": "2026-03-01",
            "c-settlement_account_no": settlement_account_no,
            "c-settlement_bank_name": "中国工商银行开封分行",
        },
    )


def test_regulator_opens_custody_in_scope_and_the_mode_changes(db, client):
    bank = BankFactory.create()
    inst = InstitutionFactory.create()
    client.force_login(RegulatorFactory.create())
    # The settlement account released money is paid to is part of opening custody.
    r = _custody_post(client, inst, bank, settlement_account_no="")
    assert r.status_code == 200 and not CustodyAccount.objects.exists()
    r = _custody_post(client, inst, bank)
    assert r.status_code == 302
    account = CustodyAccount.objects.get(institution=inst)
    assert (account.settlement_account_no, account.settlement_account_name, account.settlement_bank_name) == (
        "410501000001",
        inst.name,
        "中国工商银行开封分行",
    )
    assert Institution.objects.get(pk=inst.pk).supervision_mode == SupervisionMode.BANK_CUSTODY
    assert AuditEvent.objects.filter(action="funds.custody_open").count() == 1
    page = client.get("/funds/setup/")
    assert inst.name in page.content.decode()


def test_out_of_scope_institution_is_404_and_nothing_changes(db, client):
    bank = BankFactory.create()
    far = InstitutionFactory.create(division_code="410212")
    client.force_login(RegulatorFactory.create())
    assert _custody_post(client, far, bank).status_code == 404
    assert CustodyAccount.objects.count() == 0


def test_bad_account_number_and_duplicates_are_form_errors(db, client):
    bank = BankFactory.create()
    inst = InstitutionFactory.create()
    CustodyAccountFactory.create(bank=bank, account_no="62229999")
    client.force_login(RegulatorFactory.create())
    r = _custody_post(client, inst, bank, account_no="62 22")
    assert r.status_code == 200
    assert "账号只能包含" in r.content.decode()
    r = _custody_post(client, inst, bank, account_no="62229999")
    assert r.status_code == 200
    assert "已有此账号" in r.content.decode()
    assert CustodyAccount.objects.count() == 1


def test_risk_deposit_in_yuan(db, client):
    inst = InstitutionFactory.create()
    client.force_login(RegulatorFactory.create())
    r = client.post(
        "/funds/setup/",
        {"d-uscc": inst.uscc, "d-amount_fen": "12,345.60", "d-share_percent": "20", "d-deposited_on": "2026-03-01"},
    )
    assert r.status_code == 302
    deposit = RiskDeposit.objects.get()
    assert (deposit.amount_fen, deposit.required_share_bp) == (1_234_560, 2000)
    assert Institution.objects.get(pk=inst.pk).supervision_mode == SupervisionMode.RISK_DEPOSIT
    assert "12,345.60" in client.get("/funds/setup/").content.decode()


def test_setup_list_query_count_does_not_grow(db, client, django_assert_max_num_queries):
    bank = BankFactory.create()
    for _ in range(15):
        CustodyAccountFactory.create(bank=bank)
    client.force_login(RegulatorFactory.create())
    with django_assert_max_num_queries(12):
        r = client.get("/funds/setup/")
    assert r.status_code == 200
    assert r.content.decode().count("<tr>") >= 16


def test_only_platform_admins_manage_banks(db, client):
    client.force_login(RegulatorFactory.create())
    assert client.get("/funds/banks/").status_code == 404
    client.force_login(PlatformAdminFactory.create())
    r = client.post("/funds/banks/", {"code": "icbc-kf", "name": "工商银行开封分行", "statement_format": "xlsx"})
    assert r.status_code == 302
    bank = Bank.objects.get(code="icbc-kf")
    assert len(bank.notification_secret) == 64
    page = client.get("/funds/banks/").content.decode()
    assert "/api/v1/banks/icbc-kf/notifications" in page
    assert bank.notification_secret in page  # shown once, right after creation
    assert bank.notification_secret not in client.get("/funds/banks/").content.decode()


def test_supervision_mode_change_is_in_the_institution_history(db):
    from .. import services

    inst = InstitutionFactory.create()
    services.custody_account_open(actor=None, institution=inst, bank=BankFactory.create(), account_no="6222777")
    modes = list(inst.history.order_by("history_id").values_list("supervision_mode", flat=True))
    assert modes[-1] == SupervisionMode.BANK_CUSTODY


def test_platform_admin_sets_and_changes_a_banks_signature_scheme(db, client):
    admin_user = PlatformAdminFactory.create()
    client.force_login(admin_user)
    client.post(
        "/funds/banks/",
        {"code": "ccb-kf", "name": "建设银行开封分行", "statement_format": "csv", "signature_scheme": "timestamp_body"},
    )
    assert Bank.objects.get(code="ccb-kf").signature_scheme == "timestamp_body"
    client.post("/funds/banks/", {"code": "boc-kf", "name": "中国银行开封分行", "statement_format": "csv"})
    bank = Bank.objects.get(code="boc-kf")
    assert bank.signature_scheme == "timestamp_body"  # the timestamp is signed unless the bank is set otherwise
    page = client.get("/funds/banks/").content.decode()
    assert "时间戳 + 原始请求体" in page and 'data-testid="bank-settings-boc-kf"' in page
    r = client.post(
        "/funds/banks/",
        {"bank": bank.pk, "statement_format": "xlsx", "signature_scheme": "body"},
        follow=True,
    )
    assert "已保存" in r.content.decode()
    bank.refresh_from_db()
    assert (bank.signature_scheme, bank.statement_format) == ("body", "xlsx")
    event = AuditEvent.objects.get(action="funds.bank_update")
    assert event.before is not None and event.after is not None
    assert event.before["signature_scheme"] == "timestamp_body" and event.after["signature_scheme"] == "body"
    r = client.post(
        "/funds/banks/", {"bank": bank.pk, "statement_format": "csv", "signature_scheme": "md5"}, follow=True
    )
    assert r.status_code == 200
    bank.refresh_from_db()
    assert bank.signature_scheme == "body"
    # Regulators cannot change it.
    client.force_login(RegulatorFactory.create())
    assert client.post("/funds/banks/", {"bank": bank.pk, "signature_scheme": "body"}).status_code == 404
