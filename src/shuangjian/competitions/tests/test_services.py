"""The filing workflow through the services: rules refuse, the table guards each move, numbers are gapless per
bureau and cycle, every move is audited; findings are recorded against the organiser."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shuangjian.competitions import services
from shuangjian.competitions.models import CompetitionFinding, CompetitionStatus, CompetitionStep, FindingSource
from shuangjian.core.models import AuditEvent, Department
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory, UserFactory
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

from .factories import CompetitionFactory, data, education_regulator

pytestmark = pytest.mark.django_db
S = CompetitionStatus


def submitted(actor, **changes):
    return services.competition_create(actor=actor, data=data(**changes), submit=True)


def test_a_bureau_records_submits_approves_and_publishes_with_a_number_and_history() -> None:
    reg = education_regulator()
    c = submitted(reg)
    assert c.status == S.SUBMITTED and c.submitted_at is not None
    c = services.competition_approve(actor=reg, competition=c)
    assert c.status == S.APPROVED
    assert c.filing_no == "JS-410202-2026-0001" and c.filing_key == "JS41020220260001"
    c = services.competition_publish(actor=reg, competition=c)
    assert c.status == S.PUBLISHED and c.published_at is not None
    assert list(CompetitionStep.objects.filter(competition=c).values_list("to_status", flat=True)) == [
        S.DRAFT,
        S.SUBMITTED,
        S.APPROVED,
        S.PUBLISHED,
    ]
    actions = list(AuditEvent.objects.filter(object_id=str(c.pk)).order_by("seq").values_list("action", flat=True))
    assert actions == ["competition.create", "competition.submit", "competition.approve", "competition.publish"]


def test_a_fee_is_refused_at_submission_naming_the_rule_and_nothing_is_kept() -> None:
    reg = education_regulator()
    with pytest.raises(RuleViolationError) as exc:
        submitted(reg, fee_fen=2000)
    assert [v.code for v in exc.value.violations] == ["competition.fee_charged"]
    assert not AuditEvent.objects.filter(action__startswith="competition.").exists()


def test_a_certificate_without_the_statement_cannot_be_submitted_from_a_draft() -> None:
    reg = education_regulator()
    draft = services.competition_create(actor=reg, data=data(certificate_text="荣获一等奖"))
    assert draft.status == S.DRAFT
    with pytest.raises(RuleViolationError) as exc:
        services.competition_submit(actor=reg, competition=draft)
    assert [v.code for v in exc.value.violations] == ["competition.certificate_admission_statement_missing"]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_moves_outside_the_table_are_refused() -> None:
    reg = education_regulator()
    draft = services.competition_create(actor=reg, data=data())
    with pytest.raises(ValidationError) as exc:
        services.competition_approve(actor=reg, competition=draft)
    assert exc.value.code == "invalid_transition"
    c = submitted(reg)
    with pytest.raises(ValidationError) as exc:
        services.competition_publish(actor=reg, competition=c)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(ValidationError):
        services.competition_act(actor=reg, competition=c, action="delete_everything")


def test_refusing_and_withdrawing_need_a_reason() -> None:
    reg = education_regulator()
    c = submitted(reg)
    with pytest.raises(ValidationError) as exc:
        services.competition_refuse(actor=reg, competition=c, reason="  ")
    assert exc.value.code == "comment_required"
    c = services.competition_refuse(actor=reg, competition=c, reason="以学科知识排名选拔")
    assert c.status == S.REFUSED and c.refusal_reason == "以学科知识排名选拔" and c.filing_no is None
    other = services.competition_approve(actor=reg, competition=submitted(reg))
    with pytest.raises(ValidationError):
        services.competition_withdraw(actor=reg, competition=other, reason="")
    other = services.competition_withdraw(actor=reg, competition=other, reason="主办方收取费用")
    assert other.status == S.WITHDRAWN


def test_numbers_are_gapless_per_bureau_and_cycle() -> None:
    county = education_regulator()
    city = education_regulator(scope="4102")
    numbers = [services.competition_approve(actor=county, competition=submitted(county)).filing_no for _ in range(3)]
    assert numbers == ["JS-410202-2026-0001", "JS-410202-2026-0002", "JS-410202-2026-0003"]
    # The city bureau keeps its own series; the next cycle starts again at 1.
    assert services.competition_approve(actor=city, competition=submitted(county)).filing_no == "JS-4102-2026-0001"
    later = submitted(county, starts_on=datetime.date(2027, 3, 1), ends_on=datetime.date(2027, 3, 1))
    assert services.competition_approve(actor=county, competition=later).filing_no == "JS-410202-2027-0001"
    # A refusal takes no number.
    services.competition_refuse(actor=county, competition=submitted(county), reason="不符合条件")
    assert services.competition_approve(actor=county, competition=submitted(county)).filing_no == "JS-410202-2026-0004"


def test_an_operator_applies_only_for_its_own_institution_and_cannot_review() -> None:
    inst = InstitutionFactory.create(name="龙亭区琴声艺术培训中心")
    operator = operator_for(inst)
    elsewhere = InstitutionFactory.create()
    c = services.competition_create(
        actor=operator, data=data(organiser_institution=elsewhere, organiser_name="别人"), submit=True
    )
    assert c.organiser_institution == inst and c.organiser_name == inst.name and c.organiser_uscc == inst.uscc
    with pytest.raises(ValidationError) as exc:
        services.competition_approve(actor=operator, competition=c)
    assert exc.value.code == "not_reviewer"
    other_operator = operator_for(elsewhere)
    with pytest.raises(Http404):
        services.competition_submit(actor=other_operator, competition=c)


def test_another_countys_regulator_and_other_departments_cannot_review() -> None:
    c = submitted(education_regulator())
    for outsider in (
        education_regulator(scope="410212"),
        RegulatorFactory.create(scope_code="410202", department=Department.SPORTS),
        UserFactory.create(role="inspector", scope_code="410202"),
    ):
        with pytest.raises(Http404):
            services.competition_approve(actor=outsider, competition=c)
    c.refresh_from_db()
    assert c.status == S.SUBMITTED


def test_a_bureau_files_an_association_only_in_its_own_counties() -> None:
    reg = education_regulator()
    with pytest.raises(ValidationError):
        services.competition_create(actor=reg, data=data(division_code="410212"))
    with pytest.raises(ValidationError):
        services.competition_create(actor=reg, data=data(organiser_uscc="123"))
    with pytest.raises(Http404):
        services.competition_create(
            actor=reg, data=data(organiser_institution=InstitutionFactory.create(division_code="410212"))
        )


def test_a_draft_changes_only_while_a_draft() -> None:
    reg = education_regulator()
    draft = services.competition_create(actor=reg, data=data())
    draft = services.competition_update(actor=reg, competition=draft, data=data(name="改名后的竞赛"))
    assert draft.name == "改名后的竞赛"
    services.competition_submit(actor=reg, competition=draft)
    with pytest.raises(ValidationError):
        services.competition_update(actor=reg, competition=draft, data=data(name="再改"))


def test_the_cycle_end_expires_the_list_and_is_audited() -> None:
    reg = education_regulator()
    c = services.competition_publish(
        actor=reg, competition=services.competition_approve(actor=reg, competition=submitted(reg))
    )
    still = CompetitionFactory.create(status=S.SUBMITTED)
    assert services.competitions_expire_ended(today=datetime.date(2026, 12, 31)) == 0
    assert services.competitions_expire_ended(today=datetime.date(2027, 1, 1)) == 1
    c.refresh_from_db()
    still.refresh_from_db()
    assert c.status == S.EXPIRED and still.status == S.SUBMITTED
    event = AuditEvent.objects.get(action="competition.expire")
    assert event.actor is None and event.role == "system"


def test_a_finding_is_recorded_against_the_institution_scoped_and_audited() -> None:
    reg = education_regulator()
    inst = InstitutionFactory.create()
    finding = services.competition_finding_record(
        actor=reg,
        organiser_institution=inst,
        competition_name="少儿英语之星大赛",
        facts="未经备案举办，收取报名费。",
        source_kind=FindingSource.REPORT,
        source_ref="举报 JB-2026-0001",
    )
    assert finding.organiser_name == inst.name and finding.division_code == inst.division_code
    assert AuditEvent.objects.filter(action="competition_finding.record", object_id=str(finding.pk)).exists()
    by_name = services.competition_finding_record(
        actor=reg,
        organiser_name="某英语工作室",
        competition_name="英语风采大赛",
        facts="未经备案。",
        source_kind=FindingSource.INSPECTION,
        source_ref="",
    )
    assert by_name.organiser_institution is None and by_name.division_code == "410202"


def test_a_finding_needs_its_facts_and_stays_in_scope() -> None:
    reg = education_regulator()
    with pytest.raises(ValidationError):
        services.competition_finding_record(
            actor=reg, organiser_name="x", competition_name="y", facts="", source_kind="report", source_ref=""
        )
    with pytest.raises(Http404):
        services.competition_finding_record(
            actor=reg,
            organiser_institution=InstitutionFactory.create(division_code="410212"),
            competition_name="y",
            facts="z",
            source_kind="report",
            source_ref="",
        )
    assert not CompetitionFinding.objects.exists()


def test_a_platform_admin_approves_in_the_filing_countys_name() -> None:
    admin = PlatformAdminFactory.create()
    c = services.competition_approve(actor=admin, competition=submitted(education_regulator()))
    assert c.filing_no == "JS-410202-2026-0001"
