"""Penalty-case pages, documents, API and the portal: what a regulator, an operator and the public see."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import DivisionFactory
from shuangjian.enforcement import cases
from shuangjian.enforcement.calculator import Measure
from shuangjian.enforcement.models import CaseDocumentKind, CaseStage, PenaltyCase
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry.models import Institution
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for
from shuangjian.staff.tests.factories import PersonFactory

from .case_factories import FILED, D, file_case, notified, regulator, served

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counties():
    DivisionFactory.create(code="410202", name="龙亭区")
    DivisionFactory.create(code="410203", name="顺河区")


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs)


def test_regulator_files_a_case_on_the_page_and_sees_the_calculators_reasoning(client):
    reg = regulator()
    inst = InstitutionFactory.create()
    client.force_login(reg)
    r = client.post(
        reverse("enforcement:case_new"),
        {
            "institution": inst.pk,
            "violation": "unlicensed",
            "severity": "ordinary",
            "illegal_income": "13800",
            "act_on": "2026-01-05",
            "facts": "无证开展培训",
        },
    )
    case = PenaltyCase.objects.get()
    assert r.status_code == 302
    page = client.get(reverse("enforcement:case_detail", args=[case.pk])).content.decode()
    assert "第十七条" in page and "13,800.00–69,000.00" in page
    assert "开始调查取证" in page  # the table's button


def test_filing_form_shows_the_limitation_refusal_by_the_field(client):
    reg = regulator()
    inst = InstitutionFactory.create()
    client.force_login(reg)
    r = client.post(
        reverse("enforcement:case_new"),
        {
            "institution": inst.pk,
            "violation": "disguised",
            "severity": "ordinary",
            "act_on": "2001-01-01",
            "facts": "x",
        },
    )
    assert r.status_code == 200
    assert "不再给予行政处罚" in r.content.decode()
    assert not PenaltyCase.objects.exists()


def test_buttons_drive_the_case_and_refusals_are_messages(client):
    reg = regulator()
    case = notified(reg)
    client.force_login(reg)
    url = reverse("enforcement:case_action", args=[case.pk])
    r = client.post(url, {"action": "decide", "on": "2026-03-10"}, follow=True)
    assert "陈述申辩期" in r.content.decode()
    case.refresh_from_db()
    assert case.stage == CaseStage.NOTIFIED
    client.post(url, {"action": "decide", "on": "2026-03-13"})
    case.refresh_from_db()
    assert case.stage == CaseStage.DECIDED


def test_decision_docx_holds_number_party_facts_basis_and_amounts(client):
    reg = regulator()
    inst = InstitutionFactory.create(name="龙亭区某某培训学校")
    case = served(reg, inst, fine_fen=2_000_000)
    doc = case.documents.get(kind=CaseDocumentKind.DECISION)
    client.force_login(reg)
    r = client.get(reverse("enforcement:case_document", args=[case.pk, doc.pk]))
    assert r.status_code == 200
    text = docx_text(r.content)
    assert "行政处罚决定书" in text and "410202教罚决〔2026〕1号" in text
    assert "龙亭区某某培训学校" in text and inst.uscc in text
    assert "思维训练" in text  # the facts
    assert "第十八条" in text  # the basis
    assert "人民币20,000.00元" in text
    assert "百分之三" in text


def test_notice_docx_offers_a_hearing_only_when_the_law_gives_it(client):
    reg = regulator()
    client.force_login(reg)
    small = notified(reg, fine_fen=100_000)
    big = notified(reg, fine_fen=10_000_000, severity="especially_serious")
    for case, hearing in ((small, False), (big, True)):
        doc = case.documents.get(kind=CaseDocumentKind.NOTICE)
        text = docx_text(client.get(reverse("enforcement:case_document", args=[case.pk, doc.pk])).content)
        assert "陈述和申辩" in text
        assert ("要求举行听证" in text) is hearing


def test_another_county_gets_404_and_an_operator_sees_only_its_own(client):
    reg = regulator()
    case = file_case(reg)
    client.force_login(regulator(scope_code="410203"))
    assert client.get(reverse("enforcement:case_detail", args=[case.pk])).status_code == 404
    other = operator_for(InstitutionFactory.create())
    client.force_login(other)
    assert client.get(reverse("enforcement:case_detail", args=[case.pk])).status_code == 404
    assert case.filing_no not in client.get(reverse("enforcement:my_cases")).content.decode()
    client.force_login(operator_for(Institution.objects.get(pk=case.institution_id or 0)))
    assert case.filing_no in client.get(reverse("enforcement:my_cases")).content.decode()
    assert client.get(reverse("enforcement:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("enforcement:case_list")).status_code in (403, 404)


def test_operator_files_a_defence_and_requests_a_hearing_online(client):
    reg = regulator()
    inst = InstitutionFactory.create()
    case = notified(
        reg,
        inst,
        fine_fen=10_000_000,
        severity="especially_serious",
        filed_on=timezone.localdate() - datetime.timedelta(days=7),
    )
    op = operator_for(inst)
    client.force_login(op)
    page = client.get(reverse("enforcement:case_detail", args=[case.pk])).content.decode()
    assert "申请听证" in page and "提交陈述申辩" in page
    assert "处罚计算器建议" not in page  # the regulator's working notes
    client.post(reverse("enforcement:case_defence", args=[case.pk]), {"text": "已停止该课程"})
    client.post(reverse("enforcement:case_action", args=[case.pk]), {"action": "request_hearing"})
    case.refresh_from_db()
    assert case.defence_text == "已停止该课程"
    assert case.stage == CaseStage.HEARING
    assert case.steps.filter(action="request_hearing", actor=op).exists()


def test_list_filters_overdue_and_exports(client):
    reg = regulator()
    old = file_case(reg, filed_on=D(2025, 1, 6))
    fresh = file_case(reg, filed_on=timezone.localdate())
    client.force_login(reg)
    page = client.get(reverse("enforcement:case_list"), {"overdue": "on"}).content.decode()
    assert old.filing_no in page and fresh.filing_no not in page
    assert "已超过办案或缴款期限" in page
    by_stage = client.get(reverse("enforcement:case_list"), {"stage": "decided"}).content.decode()
    assert old.filing_no not in by_stage
    r = export_download(client, reverse("enforcement:case_export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_api_lists_gets_and_moves_cases(client):
    reg = regulator()
    case = file_case(reg)
    client.force_login(reg)
    r = client.get("/api/v1/enforcement/cases")
    assert r.status_code == 200 and r.json()["count"] == 1
    assert r.json()["results"][0]["actions"] == ["investigate", "drop", "suspend"]
    r = client.post(
        f"/api/v1/enforcement/cases/{case.pk}/transition", {"action": "close"}, content_type="application/json"
    )
    assert r.status_code == 422 and "不能执行" in str(r.json()["detail"])
    r = client.post(
        f"/api/v1/enforcement/cases/{case.pk}/transition", {"action": "investigate"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["stage"] == "investigation"
    client.force_login(regulator(scope_code="410203"))
    assert client.get(f"/api/v1/enforcement/cases/{case.pk}").status_code == 404


def test_exposure_board_and_institution_page_show_published_cases_without_id_numbers(client):
    reg = regulator()
    inst = InstitutionFactory.create(name="顺风培训学校")
    case = served(reg, inst)
    cases.case_publish(actor=reg, case=case, summary="以思维训练名义开展初中数学培训", on=D(2026, 3, 25))
    person = PersonFactory.create(name="王小明")
    pcase = cases.case_file(
        actor=reg,
        subject=Subject.of_person(person, division_code="410202"),
        violation="disguised",
        act_on=D(2026, 2, 1),
        facts=f"在职教师{person.name}（身份证号{person.resident_id}）有偿补课",
        in_service_teacher=True,
        filed_on=FILED,
    )
    cases.case_transition(actor=reg, case=pcase, action="investigate", on=FILED)
    cases.case_propose(actor=reg, case=pcase, measures=[Measure.RESTRICT_PRACTICE], departure_reason="限制从业")
    cases.case_document_issue(actor=reg, case=pcase, kind=CaseDocumentKind.NOTICE, on=D(2026, 3, 9))
    cases.case_transition(actor=reg, case=pcase, action="notify", on=D(2026, 3, 9))
    cases.case_transition(actor=reg, case=pcase, action="decide", on=D(2026, 3, 20))
    cases.case_transition(actor=reg, case=pcase, action="serve", on=D(2026, 3, 23))
    cases.case_publish(actor=reg, case=pcase, summary="在职教师有偿补课", on=D(2026, 3, 25))
    client.logout()
    board = client.get(reverse("portal:exposure")).content.decode()
    assert "顺风培训学校" in board and inst.uscc in board and "以思维训练名义" in board
    assert "王**" in board and "王小明" not in board
    assert person.resident_id not in board
    assert "违规曝光台" in board
    page = client.get(reverse("portal:institution", args=[inst.uscc])).content.decode()
    assert case.decision_number in page and "以思维训练名义" in page
    assert "暂无公开的行政处罚信息" not in page
