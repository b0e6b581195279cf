"""The audit log in words: every action an app writes has a label, objects are named, the export keeps the codes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import shuangjian
from shuangjian.core.audit import action_label, action_labels, audit_record, object_labels
from shuangjian.core.models import AuditEvent, Division, DivisionLevel
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory
from shuangjian.funds.models import Bank, EntryKind, RefundStatus
from shuangjian.funds.tests.factories import BankFactory
from shuangjian.registry.tests.factories import InstitutionFactory

SOURCE = Path(shuangjian.__file__).parent
# action="x.y" as services pass it, and action = "x.y" where a service picks one of two.
LITERAL_ACTION = re.compile(r"""action\s*=\s*"([a-z_]+\.[a-z_.]+)\"""")


def _written_actions() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or path.name == "audit_labels.py":
            continue
        found |= set(LITERAL_ACTION.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_action_written_has_a_label() -> None:
    written = _written_actions()
    assert "funds.instruction_executed" in written, "the source scan found nothing: the pattern is broken"
    labels = action_labels()
    assert sorted(written - labels.keys()) == []


def test_action_families_built_at_run_time_have_labels() -> None:
    with translation.override("zh-hans"):
        assert action_label("funds.instruction_executed") == "银行回执：指令已执行"
        for kind in EntryKind:
            assert action_label(f"ledger.{kind.value}") == f"记账：{kind.label}"
        for status in RefundStatus:
            assert action_label(f"funds.refund_{status.value}") == f"退费：{status.label}"
        for verb in ("accept", "start_review", "pass_review", "return", "reject"):
            assert action_label(f"licence_application.{verb}") != f"licence_application.{verb}"
        assert action_label("admin.bankoperator_add") == "后台新增银行操作员"
        # An undeclared code is shown as it is rather than hidden.
        assert action_label("nobody.declared_this") == "nobody.declared_this"


@pytest.mark.django_db
def test_objects_are_named_by_kind_and_name_people_by_number_only() -> None:
    institution = InstitutionFactory.create(name="龙亭区启航培训学校")
    bank = BankFactory.create(name="中国银行开封分行")
    events = [
        AuditEvent(object_type="registry.institution", object_id=str(institution.pk)),
        AuditEvent(object_type="funds.bank", object_id=str(bank.pk)),
        AuditEvent(object_type="funds.journalentry", object_id="999999"),
        AuditEvent(object_type="staff.person", object_id="LT-1"),
        AuditEvent(object_type="nothing.here", object_id="7"),
        AuditEvent(object_type="core.calendarday", object_id="2027"),  # not a date: the key's type is checked
    ]
    with translation.override("zh-hans"):
        labels = object_labels(events)
    assert (
        labels[("registry.institution", str(institution.pk))] == f"校外培训机构 #{institution.pk} · 龙亭区启航培训学校"
    )
    assert labels[("funds.bank", str(bank.pk))] == f"托管银行 #{bank.pk} · 中国银行开封分行"
    assert labels[("funds.journalentry", "999999")] == "记账凭证 #999999"
    assert labels[("staff.person", "LT-1")] == "从业人员 #LT-1"
    assert labels[("nothing.here", "7")] == "nothing.here 7"
    assert labels[("core.calendarday", "2027")].endswith(" #2027")


@pytest.fixture
def county_log(db: None) -> tuple[Bank, Client]:
    Division.objects.update_or_create(code="410202", defaults={"name": "龙亭区", "level": DivisionLevel.COUNTY})
    admin = PlatformAdminFactory.create()
    # A bank, not a journal entry: a ledger entry without postings is refused by PostgreSQL's balance trigger.
    entry = BankFactory.create(name="中国银行开封分行")
    audit_record(actor=admin, action="funds.instruction_executed", obj=entry, division_code="410202")
    regulator = RegulatorFactory.create(scope_code="410202")
    client = Client()
    client.force_login(regulator)
    return entry, client


def test_audit_page_shows_words_not_codes(county_log: tuple[Bank, Client]) -> None:
    entry, client = county_log
    html = client.get(reverse("core:audit_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    cells = re.findall(r'data-testid="audit-(?:action|object)"[^>]*>([^<]*)<', html)
    assert cells == ["银行回执：指令已执行", f"托管银行 #{entry.pk} · 中国银行开封分行"]
    assert ">龙亭区<" in html
    # The code is still there for those who need it, behind the words.
    assert "<code>funds.instruction_executed</code>" in html


def test_audit_export_keeps_the_codes_in_their_own_columns(county_log: tuple[Bank, Client]) -> None:
    entry, client = county_log
    response = export_download(client, reverse("core:audit_export"), {"action": "funds."})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2
    assert header[4:7] == ["操作", "操作代码", "对象"]
    assert row["操作"] == "银行回执：指令已执行"
    assert row["操作代码"] == "funds.instruction_executed"
    assert row["对象类型代码"] == "funds.bank"
    assert row["对象编号"] == str(entry.pk)
    assert row["区划"] == "龙亭区" and row["区划代码"] == "410202"


@pytest.mark.django_db
def test_audit_export_is_for_regulators_only() -> None:
    from shuangjian.registry.tests.factories import OperatorFactory

    client = Client()
    client.force_login(OperatorFactory.create())
    assert client.get(reverse("core:audit_export")).status_code in (403, 404)
