"""The penalty-case procedure: the table refuses every illegal move with a clear message; deadlines hold;
a served decision feeds the registry and the black lists; everything is audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shuangjian.core.models import AuditEvent
from shuangjian.enforcement import case_workflow, cases
from shuangjian.enforcement.calculator import Measure, Violation
from shuangjian.enforcement.models import CaseDocumentKind, CaseStage, PenaltyCase
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry.models import BlacklistEntry, Institution, InstitutionStatus
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for
from shuangjian.staff.models import PersonBlacklist
from shuangjian.staff.tests.factories import PersonFactory

from .case_factories import FILED, D, decided, file_case, notified, regulator, served

pytestmark = pytest.mark.django_db


def refused(code, fn, **kw):
    with pytest.raises(ValidationError) as exc:
        fn(**kw)
    err = exc.value
    errors = [e for es in err.error_dict.values() for e in es] if hasattr(err, "error_dict") else err.error_list
    assert code in {e.code for e in errors}, err
    return " ".join(err.messages)


def test_filing_numbers_the_case_and_keeps_the_calculators_reasoning():
    reg = regulator()
    case = file_case(reg)
    assert case.stage == CaseStage.FILED
    assert case.filing_no == "410202教立〔2026〕1号"
    assert case.proposal["reasoning"] and "第十八条" in "".join(case.proposal["reasoning"])
    assert case.decide_by == D(2026, 5, 31)
    assert AuditEvent.objects.filter(action="case.file").exists()


def test_filing_refused_after_the_limitation_period():
    reg = regulator()
    msg = refused("limitation", file_case, actor=reg, act_on=D(2024, 3, 1))
    assert "2年" in msg
    assert not PenaltyCase.objects.exists()


def test_every_action_outside_the_table_is_refused_with_the_stage_named():
    reg = regulator()
    case = file_case(reg)
    for action in case_workflow.BY_ACTION:
        if case.stage in case_workflow.BY_ACTION[action].sources:
            continue
        msg = refused("invalid_transition", cases.case_transition, actor=reg, case=case, action=action)
        assert "已立案" in msg
    refused("invalid_transition", cases.case_transition, actor=reg, case=case, action="no_such_action")


def test_notice_cannot_be_served_before_it_exists():
    reg = regulator()
    case = file_case(reg)
    cases.case_transition(actor=reg, case=case, action="investigate", on=FILED)
    msg = refused("document_required", cases.case_transition, actor=reg, case=case, action="notify")
    assert "事先告知书" in msg


def test_departing_from_the_calculator_needs_a_recorded_reason():
    reg = regulator()
    case = file_case(reg)
    refused(
        "departure_reason_required",
        cases.case_propose,
        actor=reg,
        case=case,
        measures=[Measure.WARNING],
    )
    case = cases.case_propose(actor=reg, case=case, measures=[Measure.WARNING], departure_reason="初次违法，已主动整改")
    assert case.departure_reason == "初次违法，已主动整改"
    event = AuditEvent.objects.filter(action="case.propose").latest("pk")
    assert "初次违法" in str(event.after)


def test_decision_before_the_defence_period_ends_is_refused():
    reg = regulator()
    case = notified(reg)  # notified Monday 9 March: 3 working days end Thursday 12 March
    msg = refused("defence_period", cases.case_transition, actor=reg, case=case, action="decide", on=D(2026, 3, 12))
    assert "2026-03-12" in msg
    case = cases.case_transition(actor=reg, case=case, action="decide", on=D(2026, 3, 13))
    assert case.stage == CaseStage.DECIDED
    assert case.decision_number == "410202教罚决〔2026〕1号"


def test_decision_after_90_days_without_extension_is_refused_and_allowed_with_one():
    reg = regulator()
    case = notified(reg)
    msg = refused("decision_overdue", cases.case_transition, actor=reg, case=case, action="decide", on=D(2026, 6, 1))
    assert "90日" in msg
    refused("reason_required", cases.case_extend, actor=reg, case=case, days=30, reason=" ")
    case = cases.case_extend(actor=reg, case=case, days=30, reason="案情复杂，经负责人批准延长")
    assert case.decide_by == D(2026, 6, 30)
    case = cases.case_transition(actor=reg, case=case, action="decide", on=D(2026, 6, 1))
    assert case.stage == CaseStage.DECIDED


def test_hearing_right_blocks_the_decision_until_the_request_period_ends():
    reg = regulator()
    case = notified(reg, fine_fen=10_000_000, severity="especially_serious")
    assert case.hearing_right
    refused("hearing_period", cases.case_transition, actor=reg, case=case, action="decide", on=D(2026, 3, 13))
    late = refused(
        "hearing_request_late",
        cases.case_transition,
        actor=reg,
        case=case,
        action="record_hearing_request",
        on=D(2026, 3, 17),
    )
    assert "5个工作日" in late


def test_party_requests_a_hearing_online_and_the_hearing_waits_seven_working_days():
    reg = regulator()
    inst = InstitutionFactory.create()
    op = operator_for(inst)
    case = notified(reg, inst, fine_fen=10_000_000, severity="especially_serious")
    case = cases.case_transition(actor=op, case=case, action="request_hearing", on=D(2026, 3, 16))
    assert case.stage == CaseStage.HEARING
    refused("hearing_not_held", cases.case_transition, actor=reg, case=case, action="decide", on=D(2026, 3, 20))
    refused(
        "hearing_too_soon",
        cases.case_document_issue,
        actor=reg,
        case=case,
        kind=CaseDocumentKind.HEARING_NOTICE,
        on=D(2026, 3, 17),
        hearing_on=D(2026, 3, 25),
    )
    cases.case_document_issue(
        actor=reg, case=case, kind=CaseDocumentKind.HEARING_NOTICE, on=D(2026, 3, 17), hearing_on=D(2026, 3, 26)
    )
    refused("hearing_too_soon", cases.case_hearing_record, actor=reg, case=case, record="x", on=D(2026, 3, 25))
    cases.case_hearing_record(actor=reg, case=case, record="当事人陈述了意见", on=D(2026, 3, 26))
    case = cases.case_transition(actor=reg, case=case, action="decide", on=D(2026, 3, 30))
    assert case.stage == CaseStage.DECIDED


def test_operator_cannot_act_as_regulator_nor_reach_another_institutions_case():
    reg = regulator()
    case = notified(reg)
    other = operator_for(InstitutionFactory.create())
    with pytest.raises(Http404):
        cases.case_defence_file(actor=other, case=case, text="不服", on=D(2026, 3, 10))
    own = operator_for(Institution.objects.get(pk=case.institution_id or 0))
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied: an operator does not decide)
        cases.case_transition(actor=own, case=case, action="decide", on=D(2026, 3, 20))
    cases.case_defence_file(actor=own, case=case, text="我方已停止相关课程", on=D(2026, 3, 12))
    refused("defence_late", cases.case_defence_file, actor=own, case=case, text="补充", on=D(2026, 3, 13))


def test_another_county_regulator_gets_404():
    case = file_case(regulator())
    with pytest.raises(Http404):
        cases.case_transition(actor=regulator(scope_code="410203"), case=case, action="investigate")


def test_closing_with_an_unpaid_fine_is_refused_and_late_payment_adds_the_surcharge():
    reg = regulator()
    case = served(reg)  # served Monday 23 March; fine 20,000 yuan due by 7 April
    msg = refused("fine_unpaid", cases.case_transition, actor=reg, case=case, action="close", on=D(2026, 4, 1))
    assert "罚款尚未缴纳" in msg
    case = cases.case_transition(actor=reg, case=case, action="execute", on=D(2026, 4, 9))
    assert case.surcharge_fen == 2_000_000 * 3 * 2 // 100
    case = cases.case_transition(actor=reg, case=case, action="close", on=D(2026, 4, 10))
    assert case.stage == CaseStage.CLOSED


def test_serving_late_needs_a_reason():
    reg = regulator()
    case = decided(reg)  # decided Friday 20 March: serve by 31 March
    refused("serve_late", cases.case_transition, actor=reg, case=case, action="serve", on=D(2026, 4, 1))
    case = cases.case_transition(actor=reg, case=case, action="serve", on=D(2026, 4, 1), reason="当事人拒收，公告送达")
    assert case.steps.filter(action="serve", reason__contains="拒收").exists()


def test_suspension_and_resumption_record_reasons_and_return_to_the_stage():
    reg = regulator()
    case = notified(reg)
    refused("reason_required", cases.case_transition, actor=reg, case=case, action="suspend")
    case = cases.case_transition(actor=reg, case=case, action="suspend", reason="当事人下落不明")
    assert case.stage == CaseStage.SUSPENDED
    case = cases.case_transition(actor=reg, case=case, action="resume", reason="已找到当事人")
    assert case.stage == CaseStage.NOTIFIED


def test_served_revocation_feeds_the_registry_and_the_black_list():
    reg = regulator()
    inst = InstitutionFactory.create()
    case = served(inst and reg, inst, measures=[Measure.REVOKE], fine_fen=0)
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.REVOKED
    entry = BlacklistEntry.objects.get(institution=inst)
    assert entry.end == D(2029, 3, 20)  # decision day + the default 3 years
    assert case.decision_number in entry.reason
    assert AuditEvent.objects.filter(action="institution.status").exists()


def test_ladder_stop_for_three_months_suspends_without_black_listing():
    reg = regulator()
    inst = InstitutionFactory.create()
    case = notified(reg, inst, measures=[Measure.STOP_OPERATING], fine_fen=0)
    case.stop_months = 3
    case.save(update_fields=["stop_months"])
    case = cases.case_transition(actor=reg, case=case, action="decide", on=D(2026, 3, 20))
    cases.case_transition(actor=reg, case=case, action="serve", on=D(2026, 3, 23))
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.SUSPENDED
    assert not BlacklistEntry.objects.filter(institution=inst).exists()


def test_person_restricted_from_practice_until_the_derived_expiry():
    reg = regulator()
    person = PersonFactory.create()
    case = cases.case_file(
        actor=reg,
        subject=Subject.of_person(person, division_code="410202"),
        violation=Violation.DISGUISED,
        act_on=D(2026, 2, 1),
        facts="在职教师有偿补课",
        in_service_teacher=True,
        filed_on=FILED,
    )
    assert Measure.RESTRICT_PRACTICE in case.proposal["measures"]
    cases.case_transition(actor=reg, case=case, action="investigate", on=FILED)
    cases.case_propose(
        actor=reg, case=case, measures=[Measure.RESTRICT_PRACTICE], restriction_years=5, departure_reason="仅限制从业"
    )
    cases.case_document_issue(actor=reg, case=case, kind=CaseDocumentKind.NOTICE, on=D(2026, 3, 9))
    cases.case_transition(actor=reg, case=case, action="notify", on=D(2026, 3, 9))
    cases.case_transition(actor=reg, case=case, action="decide", on=D(2026, 3, 20))
    cases.case_transition(actor=reg, case=case, action="serve", on=D(2026, 3, 23))
    entry = PersonBlacklist.objects.get(resident_id=person.resident_id)
    assert entry.end == D(2031, 3, 20)


def test_a_failing_decision_effect_writes_nothing():
    reg = regulator()
    inst = InstitutionFactory.create(status=InstitutionStatus.DEREGISTERED)
    case = decided(reg, inst, measures=[Measure.REVOKE], fine_fen=0)
    with pytest.raises(ValidationError):
        cases.case_transition(actor=reg, case=case, action="serve", on=D(2026, 3, 23))
    case.refresh_from_db()
    assert case.stage == CaseStage.DECIDED and case.served_on is None
    assert not BlacklistEntry.objects.exists()


def test_document_numbers_run_per_issuing_body_without_gaps():
    reg = regulator()
    a = decided(reg)
    b = decided(reg)
    assert [a.decision_number, b.decision_number] == ["410202教罚决〔2026〕1号", "410202教罚决〔2026〕2号"]
    other = regulator(scope_code="410203")
    c = decided(other, InstitutionFactory.create(division_code="410203"))
    assert c.decision_number == "410203教罚决〔2026〕1号"


def test_publication_refuses_an_id_number_and_undecided_cases():
    reg = regulator()
    case = notified(reg)
    refused("not_decided", cases.case_publish, actor=reg, case=case, summary="x")
    case = served(reg)
    refused("id_number", cases.case_publish, actor=reg, case=case, summary="负责人410202199001011234")
    case = cases.case_publish(actor=reg, case=case, summary="以思维训练名义开展学科类培训", on=D(2026, 3, 25))
    assert case.published_on == D(2026, 3, 25)


def test_every_transition_has_an_audit_label():
    from shuangjian.core.audit import action_label

    for t in case_workflow.TRANSITIONS:
        assert action_label(f"case.{t.action}") != f"case.{t.action}"


def test_buttons_come_from_the_table():
    reg = regulator()
    case = file_case(reg)
    assert [t.action for t in case_workflow.actions_for(case, reg)] == ["investigate", "drop", "suspend"]
    op = operator_for(Institution.objects.get(pk=case.institution_id or 0))
    assert case_workflow.actions_for(case, op) == ()
    _ = datetime


def test_the_ladder_counts_earlier_cases_of_the_same_institution_but_not_dropped_ones():
    reg = regulator()
    inst = InstitutionFactory.create()
    first = file_case(reg, inst, filed_on=D(2025, 6, 2))
    dropped = file_case(reg, inst, filed_on=D(2025, 9, 1))
    cases.case_transition(actor=reg, case=dropped, action="drop", reason="事实不成立", on=D(2025, 9, 5))
    second = file_case(reg, inst, filed_on=D(2026, 1, 5))
    third = file_case(reg, inst)
    assert first.proposal["findings_in_window"] == 1
    assert second.proposal["findings_in_window"] == 2
    assert Measure.STOP_OPERATING in second.proposal["measures"]
    assert third.proposal["findings_in_window"] == 3
    assert Measure.REVOKE in third.proposal["measures"]
