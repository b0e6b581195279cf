"""Inspections, rectification notices and follow-ups through the services: what an inspector, a regulator and
an institution would notice, including every refusal."""

from __future__ import annotations

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from docx import Document

from shuangjian.core import calendar
from shuangjian.core.audit import AuditEvent
from shuangjian.enforcement import checklist, inspections, notices
from shuangjian.enforcement.documents import rectification_notice_docx
from shuangjian.enforcement.models import (
    EvidencePhoto,
    Inspection,
    InspectionKind,
    InspectionStatus,
    NoticeStatus,
)
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

from .inspection_helpers import inspector, issued, jpeg, record, regulator, results

pytestmark = pytest.mark.django_db

FAILS = {checklist.PRICES: "收费未公示", checklist.PREMISES: "消防通道堵塞", checklist.ADS: "门口有违规横幅"}


def test_checklist_items_name_their_policy_and_the_platform_shows_what_it_knows() -> None:
    assert {i.code for i in checklist.CHECKLIST} >= {
        "licence",
        "prices",
        "certificates",
        "in_service_teachers",
        "schedule",
        "premises",
        "ads_signs",
        "contracts",
        "prepaid_custody",
    }
    assert all(i.source for i in checklist.CHECKLIST)
    inst = InstitutionFactory.create(licence_no="教民410202TEST1", status="active", supervision_mode="none")
    hints = checklist.hints_for(inst)
    assert "教民410202TEST1" in hints[checklist.LICENCE][0]
    assert "尚未纳入监管" in hints[checklist.CUSTODY][0]
    # An unlicensed operation is not asked about contracts or custody.
    assert checklist.CONTRACTS not in {i.code for i in checklist.checklist_for(unlicensed=True)}


def test_a_submitted_inspection_keeps_results_photos_and_is_idempotent_by_client_uuid() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    cu = uuid.uuid4()
    done = record(
        insp_user,
        inst,
        failed={checklist.PREMISES: "消防通道堵塞"},
        photos={checklist.PREMISES: [jpeg(gps=True)]},
        client_uuid=cu,
    )
    assert done.status == InspectionStatus.DONE and done.completed_at
    assert done.items.get(code=checklist.PREMISES).result == "failed"
    photo = EvidencePhoto.objects.get(item__inspection=done)
    assert photo.latitude is not None and photo.file.name.endswith(".jpg")
    # The phone sends the same draft again: nothing new is written.
    again, created = inspections.inspection_submit(
        actor=insp_user, client_uuid=cu, items=results(), planned=done, inspector_signatures="x", party_signature="y"
    )
    assert (again.pk, created) == (done.pk, False)
    assert Inspection.objects.count() == 1 and EvidencePhoto.objects.count() == 1
    assert AuditEvent.objects.filter(action="inspection.submit").count() == 1


def test_an_inspection_missing_a_result_a_note_or_a_signature_is_refused_and_nothing_is_written() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    planned = inspections.inspection_start(
        actor=insp_user, subject=inspections.Subject.of_institution(inst), kind="routine"
    )
    items = [i for i in results({checklist.PRICES: ""}) if i.code != checklist.LICENCE]
    with pytest.raises(ValidationError) as info:
        inspections.inspection_submit(actor=insp_user, client_uuid=uuid.uuid4(), items=items, planned=planned)
    errors = info.value.message_dict
    assert "请选择" in errors["item_licence"][0]
    assert "写明发现的问题" in errors["note_prices"][0]
    assert "签名" in errors["inspector_signatures"][0] and "拒绝签名" in errors["party_signature"][0]
    planned.refresh_from_db()
    assert planned.status == InspectionStatus.PLANNED and not planned.items.exists()


def test_a_joint_inspection_needs_its_departments() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    planned = inspections.inspection_start(
        actor=insp_user, subject=inspections.Subject.of_institution(inst), kind="joint"
    )
    with pytest.raises(ValidationError) as info:
        inspections.inspection_submit(
            actor=insp_user,
            client_uuid=uuid.uuid4(),
            items=results(),
            planned=planned,
            inspector_signatures="张三",
            party_refused=True,
        )
    assert "联合检查" in info.value.message_dict["joint_departments"][0]
    done, _ = inspections.inspection_submit(
        actor=insp_user,
        client_uuid=uuid.uuid4(),
        items=results(),
        planned=planned,
        inspector_signatures="张三",
        party_refused=True,
        joint_departments=["market_regulation", "fire"],
    )
    assert done.joint_departments == ["market_regulation", "fire"] and done.party_refused_to_sign


@override_settings(RECTIFICATION_WORKING_DAYS=10)
def test_a_notice_lists_only_failed_items_not_waived_numbered_with_a_working_day_deadline() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create(name="龙亭区测试培训中心")
    notice = issued(insp_user, inst, FAILS, waive={checklist.ADS: "现场已拆除"}, issued_on=datetime.date(2026, 9, 28))
    assert sorted(notice.items.values_list("code", flat=True)) == [checklist.PREMISES, checklist.PRICES]
    assert notice.seq == 1 and "〔2026〕1号" in notice.number
    # Ten working days from 28 September 2026 skip the National Day holiday.
    assert notice.deadline == calendar.add_working_days(datetime.date(2026, 9, 28), 10)
    assert notice.deadline > datetime.date(2026, 10, 12)
    second = issued(insp_user, inst, {checklist.PRICES: "未公示"}, issued_on=datetime.date(2026, 10, 9))
    assert second.seq == 2


def test_no_notice_without_failed_items_and_only_one_per_inspection() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    clean = record(insp_user, inst)
    with pytest.raises(ValidationError) as info:
        notices.notice_issue(actor=insp_user, inspection=clean)
    assert info.value.code == "nothing_to_rectify"
    notice = issued(insp_user, inst, FAILS)
    with pytest.raises(ValidationError) as info:
        notices.notice_issue(actor=insp_user, inspection=notice.inspection)
    assert info.value.code == "notice_exists"


def test_the_follow_up_rechecks_only_failed_items_and_closes_the_notice_when_they_pass() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    notice = issued(insp_user, inst, FAILS, waive={checklist.ADS: "现场已拆除"})
    operator = operator_for(inst)
    notices.notice_answer(actor=operator, notice=notice, text="已公示收费，已清理消防通道", photos=[jpeg()])
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ANSWERED
    follow = notices.notice_follow_up(actor=insp_user, notice=notice)
    assert follow.kind == InspectionKind.FOLLOW_UP and follow.follows_id == notice.inspection_id
    expected = [i.code for i in inspections.expected_items(follow, unlicensed=False)]
    assert sorted(expected) == [checklist.PREMISES, checklist.PRICES]  # not passed, not waived
    done, _ = inspections.inspection_submit(
        actor=insp_user,
        client_uuid=uuid.uuid4(),
        items=[inspections.ItemInput(code=c, result="passed") for c in expected],
        planned=follow,
        inspector_signatures="张三",
        party_signature="王五",
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.closed_at
    assert sorted(done.items.values_list("code", flat=True)) == sorted(expected)


def test_a_follow_up_still_failing_escalates_the_notice_with_the_reason() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    notice = issued(insp_user, inst, {checklist.PRICES: "未公示"})
    follow = notices.notice_follow_up(actor=insp_user, notice=notice)
    inspections.inspection_submit(
        actor=insp_user,
        client_uuid=uuid.uuid4(),
        items=[inspections.ItemInput(code=checklist.PRICES, result="failed", note="仍未公示")],
        planned=follow,
        inspector_signatures="张三",
        party_refused=True,
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ESCALATED and "复查仍不合格" in notice.escalation_reason
    assert AuditEvent.objects.filter(action="notice.escalate").exists()


def test_illegal_notice_moves_are_refused_clearly() -> None:
    insp_user = inspector()
    reg = regulator()
    inst = InstitutionFactory.create()
    notice = issued(insp_user, inst, {checklist.PRICES: "未公示"})
    operator = operator_for(inst)
    with pytest.raises(ValidationError) as info:
        notices.notice_escalate(actor=reg, notice=notice, reason="  ")
    assert "写明理由" in info.value.messages[0]
    with pytest.raises(PermissionDenied):
        notices.notice_escalate(actor=insp_user, notice=notice, reason="拒不整改")  # regulators escalate
    with pytest.raises(ValidationError) as info:
        notices.notice_answer(actor=operator, notice=notice, text="")
    assert "整改情况" in info.value.messages[0]
    notices.notice_escalate(actor=reg, notice=notice, reason="拒不整改")
    for call in (
        lambda: notices.notice_answer(actor=operator, notice=notice, text="已整改"),
        lambda: notices.notice_follow_up(actor=insp_user, notice=notice),
        lambda: notices.notice_escalate(actor=reg, notice=notice, reason="再次"),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.code == "invalid_transition" and "转立案" in info.value.messages[0]
    # Another institution's operator cannot answer.
    other = operator_for(InstitutionFactory.create())
    fresh = issued(insp_user, inst, {checklist.PRICES: "未公示"})
    with pytest.raises(PermissionDenied):
        notices.notice_answer(actor=other, notice=fresh, text="不是我的")


def test_the_notice_docx_opens_and_carries_number_party_facts_basis_and_deadline() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create(name="龙亭区文书测试培训中心")
    notice = issued(insp_user, inst, {checklist.PRICES: "收费标准未公示"})
    doc = Document(io.BytesIO(rectification_notice_docx(notice)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert notice.number in text
    assert "龙亭区文书测试培训中心" in text
    assert "收费标准未公示" in text
    assert "发改价格〔2021〕1482号" in text
    assert notice.deadline.isoformat() in text


def test_overdue_notices_are_chased_once_a_day() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    notice = issued(insp_user, inst, {checklist.PRICES: "未公示"})
    later = notice.deadline + datetime.timedelta(days=1)
    assert notices.notices_remind_overdue(today=notice.deadline) == 0
    assert notices.notices_remind_overdue(today=later) == 1
    assert notices.notices_remind_overdue(today=later) == 0
    notice.refresh_from_db()
    assert notice.reminders == 1 and notices.notice_overdue(notice, later)


def test_summons_needs_participants_and_minutes() -> None:
    insp_user = inspector()
    inst = InstitutionFactory.create()
    notice = issued(insp_user, inst, {checklist.PRICES: "未公示"})
    with pytest.raises(ValidationError) as info:
        notices.summons_record(actor=insp_user, notice=notice, held_on=notice.issued_on, participants="", minutes="")
    assert set(info.value.message_dict) == {"participants", "minutes"}
    row = notices.summons_record(
        actor=insp_user, notice=notice, held_on=notice.issued_on, participants="法人 王五", minutes="要求限期整改"
    )
    assert row.institution_id == inst.pk


def test_ads_found_and_removed_are_counted_per_county() -> None:
    from shuangjian.enforcement.inspection_selectors import ad_counts_per_county

    insp_user = inspector()
    day = datetime.date(2026, 5, 6)
    a = inspections.ad_finding_record(
        actor=insp_user,
        division_code="410202",
        kind="banner",
        place="中山路口",
        found_on=day,
        subject_name="某培训",
        photos=[jpeg()],
    )
    inspections.ad_finding_record(
        actor=insp_user,
        division_code="410202",
        kind="sign",
        place="小区门口",
        found_on=day,
        subject_name="某培训",
        removed=True,
        removed_on=day,
    )
    with pytest.raises(ValidationError):
        inspections.ad_finding_removed(actor=insp_user, finding=a, removed_on=day - datetime.timedelta(days=1))
    inspections.ad_finding_removed(actor=insp_user, finding=a, removed_on=day)
    assert ad_counts_per_county(insp_user, 2026) == [{"division_code": "410202", "found": 2, "removed": 2}]
    with pytest.raises(PermissionDenied):
        inspections.ad_finding_record(
            actor=inspector("far", "410212"),
            division_code="410202",
            kind="sign",
            place="x",
            found_on=day,
            subject_name="y",
        )
