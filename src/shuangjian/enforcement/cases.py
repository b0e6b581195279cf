"""Penalty-case services: file, propose, issue documents, move through the procedure (case_workflow.py), record
the defence and the hearing, extend, publish. Every write is atomic and audited; a served decision feeds the
registry (status), the institution black list and the people black list in the same transaction."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.access import lock_in_scope_or_404
from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.numbering import document_number_next
from shuangjian.core.permissions import can, require
from shuangjian.registry.models import Institution, InstitutionStatus
from shuangjian.registry.services import blacklist_add, institution_change_status
from shuangjian.staff.services import person_blacklist_add

from . import calculator, case_workflow, rules
from .calculator import Measure
from .models import CaseDocument, CaseDocumentKind, CaseStage, CaseStep, Inspection, PenaltyCase, SubjectKind
from .selectors import cases_for_user
from .subjects import Subject

S = CaseStage
KIND_PREFIX = {
    "filing": "立",
    CaseDocumentKind.NOTICE: "罚告",
    CaseDocumentKind.HEARING_NOTICE: "听告",
    CaseDocumentKind.DECISION: "罚决",
}
# Anything that looks like a resident ID number (17 digits and a check character) never reaches a publication.
ID_LIKE = re.compile(r"\d{17}[\dXx]")


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A form-field error that keeps its code (forms show it by the field, the API answers with the code)."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def issuer_of(case: PenaltyCase) -> str:
    """The issuing body: the case's county and department (numbers run per issuing body)."""
    return f"{case.division_code}-{case.department}"


def _number(issuer: str, kind: str, year: int) -> tuple[int, str]:
    serial = document_number_next(issuer=issuer, kind=f"penalty_{kind}", year=year)
    return serial, f"{issuer.split('-')[0]}教{KIND_PREFIX[kind]}〔{year}〕{serial}号"


def _locked(actor: User, case: PenaltyCase) -> PenaltyCase:
    """The case locked, if the actor reaches it (staff: their county; an operator: its institution's); else 404."""
    if actor.is_platform_admin or actor.is_scoped_staff:
        return lock_in_scope_or_404(PenaltyCase.objects.all(), actor, pk=case.pk)
    try:
        return cases_for_user(actor).select_for_update().get(pk=case.pk)
    except PenaltyCase.DoesNotExist:
        raise Http404 from None


def _step(case: PenaltyCase, actor: User, action: str, before: str, reason: str = "") -> None:
    CaseStep.objects.create(
        case=case, action=action, from_stage=before, to_stage=case.stage, reason=reason, actor=actor
    )


def prior_findings(
    case_or_subject: Any, *, before: datetime.date, exclude_pk: int | None = None
) -> tuple[datetime.date, ...]:
    """Earlier findings against the same institution or person: their cases' filing days (dropped ones excluded)."""
    # A case closed without a decision (不予处罚) found nothing to count.
    qs = PenaltyCase.objects.exclude(stage=S.CLOSED, decided_on__isnull=True).filter(filed_on__lt=before)
    if getattr(case_or_subject, "person", None) is not None and case_or_subject.kind == SubjectKind.PERSON:
        qs = qs.filter(person=case_or_subject.person)
    elif getattr(case_or_subject, "institution", None) is not None:
        qs = qs.filter(institution=case_or_subject.institution)
    else:
        return ()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return tuple(qs.values_list("filed_on", flat=True))


def compute_proposal(
    *,
    violation: str,
    severity: str,
    illegal_income_fen: int,
    on: datetime.date,
    prior: tuple[datetime.date, ...],
    in_service_teacher: bool,
    obstruction: bool,
) -> calculator.Proposal:
    return calculator.propose(
        calculator.Facts(
            violations=(violation,),
            on=on,
            severity=severity,
            illegal_income_fen=illegal_income_fen,
            prior_findings=prior,
            in_service_teacher=in_service_teacher,
            obstruction=obstruction,
        ),
        ladder=settings.ENFORCEMENT_LADDER,
        window_years=settings.ENFORCEMENT_REPEAT_WINDOW_YEARS,
        stop_months=settings.ENFORCEMENT_LADDER_STOP_MONTHS,
    )


def _proposal_dict(p: calculator.Proposal) -> dict[str, Any]:
    return {
        "measures": list(p.measures),
        "fine_min_fen": p.fine_min_fen,
        "fine_max_fen": p.fine_max_fen,
        "reasoning": list(p.reasoning),
        "findings_in_window": p.findings_in_window,
        "ladder_step": p.ladder_step,
        "stop_months": p.stop_months,
    }


@transaction.atomic
def case_file(
    *,
    actor: User,
    subject: Subject,
    violation: str,
    act_on: datetime.date,
    facts: str,
    severity: str = calculator.Severity.ORDINARY,
    illegal_income_fen: int = 0,
    basis: str = "",
    in_service_teacher: bool = False,
    obstruction: bool = False,
    serious_harm: bool = False,
    source_inspection: Inspection | None = None,
    source_notice_ref: str = "",
    filed_on: datetime.date | None = None,
) -> PenaltyCase:
    """立案: a case against ``subject``, with the calculator's proposal kept from the start."""
    filed_on = _today(filed_on)
    errors: dict[str, list[str]] = {}
    if violation not in calculator.VIOLATION_LABELS:
        errors["violation"] = [_("请选择违法行为。")]
    if severity not in calculator.SEVERITY_LABELS:
        errors["severity"] = [_("请选择情节。")]
    if not facts.strip():
        errors["facts"] = [_("请写明违法事实。")]
    if illegal_income_fen < 0:
        errors["illegal_income_fen"] = [_("违法所得不能为负数。")]
    if act_on > filed_on:
        errors["act_on"] = [_("违法行为日期不能晚于立案日期。")]
    elif rules.limitation_expired(act_on, filed_on, serious=serious_harm):
        years = rules.LIMITATION_YEARS_SERIOUS if serious_harm else rules.LIMITATION_YEARS
        msg = _("违法行为在%(y)s年内未被发现，依法不再给予行政处罚（行政处罚法第三十六条）。") % {"y": years}
        raise field_error("act_on", msg, "limitation")
    if errors:
        raise ValidationError(errors)
    fields = subject.fields()
    case = PenaltyCase(**fields)
    require(actor, "enforcement.file_case", case)
    proposal = compute_proposal(
        violation=violation,
        severity=severity,
        illegal_income_fen=illegal_income_fen,
        on=filed_on,
        prior=prior_findings(subject, before=filed_on),
        in_service_teacher=in_service_teacher,
        obstruction=obstruction,
    )
    issuer = f"{case.division_code}-{case.department}"
    _serial, filing_no = _number(issuer, "filing", filed_on.year)
    case.filing_no = filing_no
    case.violation = violation
    case.severity = severity
    case.illegal_income_fen = illegal_income_fen
    case.act_on = act_on
    case.facts = facts.strip()
    case.basis = basis.strip() or "\n".join(proposal.reasoning)
    case.in_service_teacher = in_service_teacher
    case.obstruction = obstruction
    case.serious_harm = serious_harm
    case.source_inspection = source_inspection
    case.source_notice_ref = source_notice_ref[:64]
    case.proposal = _proposal_dict(proposal)
    case.filed_on = filed_on
    case.decide_by = rules.decision_deadline(filed_on)
    case.created_by = actor
    case.stage = S.FILED
    case.save()
    _step(case, actor, "file", "")
    audit_record(
        actor=actor,
        action="case.file",
        obj=case,
        after={"filing_no": filing_no, "violation": violation, "subject": case.subject_name},
    )
    return case


def departs_from_proposal(case: PenaltyCase, measures: list[str], fine_fen: int) -> bool:
    p = case.proposal or {}
    if sorted(measures) != sorted(p.get("measures", [])):
        return True
    if Measure.FINE in measures:
        return not (p.get("fine_min_fen", 0) <= fine_fen <= p.get("fine_max_fen", 0))
    return False


@transaction.atomic
def case_propose(
    *,
    actor: User,
    case: PenaltyCase,
    measures: list[str],
    fine_fen: int = 0,
    confiscated_fen: int = 0,
    stop_months: int = 0,
    restriction_years: int = 0,
    departure_reason: str = "",
) -> PenaltyCase:
    """The measures the regulator proposes (and later decides); a departure from the calculator needs a reason."""
    case = _locked(actor, case)
    require(actor, "enforcement.handle_case", case)
    if case.stage not in (S.FILED, S.INVESTIGATION, S.NOTIFIED, S.HEARING):
        raise ValidationError(_("案件已作出决定，不能再修改处罚措施。"), code="decided")
    errors: dict[str, list[str]] = {}
    unknown = [m for m in measures if m not in calculator.MEASURE_LABELS]
    if not measures or unknown:
        errors["measures"] = [_("请选择处罚措施。")]
    if fine_fen < 0 or confiscated_fen < 0:
        errors["fine_fen"] = [_("金额不能为负数。")]
    if Measure.FINE in measures and fine_fen <= 0:
        errors["fine_fen"] = [_("选择罚款须填写罚款金额。")]
    if Measure.FINE not in measures and fine_fen:
        errors["fine_fen"] = [_("未选择罚款，不能填写罚款金额。")]
    if Measure.RESTRICT_PRACTICE in measures and case.person_id is None:
        errors["measures"] = [_("限制从业须以人员为处罚对象。")]
    if errors:
        raise ValidationError(errors)
    departs = departs_from_proposal(case, measures, fine_fen)
    if departs and not departure_reason.strip():
        raise field_error(
            "departure_reason", _("处罚措施或罚款金额与计算器建议不同，须写明理由。"), "departure_reason_required"
        )
    before = {"measures": case.measures, "fine_fen": case.fine_fen}
    case.measures = list(dict.fromkeys(measures))
    case.fine_fen = fine_fen
    case.confiscated_fen = confiscated_fen
    case.stop_months = stop_months
    case.restriction_years = restriction_years
    case.departure_reason = departure_reason.strip() if departs else ""
    case.hearing_right = calculator.hearing_right(
        case.measures,
        fine_fen,
        organisation=case.subject_kind != SubjectKind.PERSON,
        person_threshold=settings.ENFORCEMENT_HEARING_FINE_PERSON_FEN,
        organisation_threshold=settings.ENFORCEMENT_HEARING_FINE_ORGANISATION_FEN,
    )
    case.save()
    audit_record(
        actor=actor,
        action="case.propose",
        obj=case,
        before=before,
        after={"measures": case.measures, "fine_fen": fine_fen, "departure_reason": case.departure_reason},
    )
    return case


def _documents(case: PenaltyCase) -> frozenset[str]:
    return frozenset(case.documents.values_list("kind", flat=True))


def _issue(actor: User, case: PenaltyCase, kind: str, on: datetime.date) -> CaseDocument:
    issuer = issuer_of(case)
    serial, number = _number(issuer, kind, on.year)
    doc = CaseDocument.objects.create(
        case=case, kind=kind, issuer=issuer, year=on.year, serial=serial, number=number, issued_on=on, issued_by=actor
    )
    audit_record(actor=actor, action="case.document", obj=case, after={"kind": kind, "number": number})
    return doc


@transaction.atomic
def case_document_issue(
    *,
    actor: User,
    case: PenaltyCase,
    kind: str,
    on: datetime.date | None = None,
    hearing_on: datetime.date | None = None,
) -> CaseDocument:
    """Issue (number) the notice of proposed penalty, or the hearing notice with the hearing's date."""
    on = _today(on)
    case = _locked(actor, case)
    require(actor, "enforcement.handle_case", case)
    if kind in _documents(case):
        raise ValidationError(_("该文书已制作。"), code="document_exists")
    if kind == CaseDocumentKind.NOTICE:
        if case.stage != S.INVESTIGATION:
            raise ValidationError(_("事先告知书在调查取证阶段制作。"), code="invalid_transition")
        if not case.measures:
            raise ValidationError(_("请先确定拟处罚措施。"), code="measures_required")
    elif kind == CaseDocumentKind.HEARING_NOTICE:
        if case.stage != S.HEARING:
            raise ValidationError(_("听证通知书在当事人申请听证后制作。"), code="invalid_transition")
        earliest = rules.earliest_hearing_day(on)
        if hearing_on is None or hearing_on < earliest:
            raise ValidationError(
                {
                    "hearing_on": [
                        ValidationError(
                            _("听证应在通知送达7个工作日后举行，最早为%(d)s。") % {"d": earliest.isoformat()},
                            code="hearing_too_soon",
                        )
                    ]
                }
            )
        case.hearing_on = hearing_on
        case.save(update_fields=["hearing_on"])
    else:
        raise ValidationError(_("决定书在作出处罚决定时制作。"), code="invalid_kind")
    return _issue(actor, case, kind, on)


def _check_decide(case: PenaltyCase, on: datetime.date) -> None:
    deadline = rules.decision_deadline(case.filed_on, case.extension_days)
    if on > deadline:
        raise ValidationError(
            _("已超过立案之日起90日的办案期限（%(d)s），须经批准延长并写明理由后才能作出决定。")
            % {"d": deadline.isoformat()},
            code="decision_overdue",
        )
    if case.stage == S.NOTIFIED:
        assert case.notified_on is not None
        defence_end = rules.defence_deadline(case.notified_on, settings.ENFORCEMENT_DEFENCE_WORKING_DAYS)
        if on <= defence_end:
            raise ValidationError(
                _("陈述申辩期至%(d)s届满，期满前不能作出决定。") % {"d": defence_end.isoformat()}, code="defence_period"
            )
        if case.hearing_right:
            hearing_end = rules.hearing_request_deadline(case.notified_on)
            if on <= hearing_end:
                raise ValidationError(
                    _("当事人可在%(d)s前申请听证，期满前不能作出决定。") % {"d": hearing_end.isoformat()},
                    code="hearing_period",
                )
    if case.stage == S.HEARING and not case.hearing_held:
        raise ValidationError(_("听证尚未举行，不能作出决定。"), code="hearing_not_held")


@transaction.atomic
def case_transition(
    *, actor: User, case: PenaltyCase, action: str, reason: str = "", on: datetime.date | None = None
) -> PenaltyCase:
    """Move ``case`` by ``action`` of the table, under the law's deadlines; the refusal says why."""
    on = _today(on)
    case = _locked(actor, case)
    t = case_workflow.transition(case.stage, action)
    if on > timezone.localdate() or on < case.filed_on:
        raise ValidationError(_("办理日期须在立案日期与今天之间。"), code="invalid_date")
    if not case_workflow.may_act(t, actor, case):
        require(
            actor,
            "enforcement.handle_case" if t.actor == case_workflow.REGULATOR else "enforcement.answer_own_case",
            case,
        )
    case_workflow.require(t, reason=reason, documents=_documents(case))
    before = case.stage
    fields: dict[str, Any] = {}
    if action == "notify":
        fields["notified_on"] = on
    elif action in ("request_hearing", "record_hearing_request"):
        if not case.hearing_right:
            raise ValidationError(_("本案拟处罚措施不属于听证范围。"), code="no_hearing_right")
        assert case.notified_on is not None
        last = rules.hearing_request_deadline(case.notified_on)
        if on > last:
            raise ValidationError(
                _("听证申请期限已于%(d)s届满（告知后5个工作日）。") % {"d": last.isoformat()},
                code="hearing_request_late",
            )
        fields["hearing_requested_on"] = on
    elif action == "decide":
        _check_decide(case, on)
        fields["decided_on"] = on
    elif action == "serve":
        assert case.decided_on is not None
        if on < case.decided_on:
            raise ValidationError(_("送达日期不能早于决定日期。"), code="invalid_date")
        last = rules.serve_deadline(case.decided_on)
        if on > last and not reason.strip():
            raise ValidationError(
                _("决定书应在%(d)s前送达；逾期送达须写明理由。") % {"d": last.isoformat()}, code="serve_late"
            )
        fields["served_on"] = on
    elif action == "execute":
        assert case.served_on is not None
        if on < case.served_on:
            raise ValidationError(_("缴款日期不能早于送达日期。"), code="invalid_date")
        fields["paid_on"] = on
        fields["surcharge_fen"] = rules.late_surcharge_fen(case.fine_fen, case.served_on, on)
    elif action == "close":
        if case.fine_fen > 0 and case.paid_on is None:
            raise ValidationError(_("罚款尚未缴纳，不能结案。"), code="fine_unpaid")
        fields["closed_on"] = on
    elif action == "drop":
        fields["closed_on"] = on
        fields["close_reason"] = _("不予处罚：") + reason.strip()
    elif action == "suspend":
        fields["stage_before_suspension"] = case.stage
    case.stage = case_workflow.target_of(t, case)
    if action == "resume":
        fields["stage_before_suspension"] = ""
    for k, v in fields.items():
        setattr(case, k, v)
    case.save()
    if action == "decide":
        _issue(actor, case, CaseDocumentKind.DECISION, on)
    if action == "serve":
        _apply_decision(actor, case)
    _step(case, actor, action, before, reason.strip())
    audit_record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        before={"stage": before},
        after={"stage": case.stage, "reason": reason.strip(), "on": on.isoformat()},
    )
    return case


def _term_end(case: PenaltyCase) -> datetime.date:
    assert case.decided_on is not None
    years = case.restriction_years or settings.ENFORCEMENT_BLACKLIST_DEFAULT_YEARS
    return rules.add_years(case.decided_on, years)


def _apply_decision(actor: User, case: PenaltyCase) -> None:
    """A served decision takes effect (行政处罚法 art. 61): the institution's status, the black lists."""
    measures = set(case.measures)
    reason = _("行政处罚决定 %(n)s") % {"n": case.decision_number}
    # One line of the basis: the black lists keep a short citation.
    basis = (case.basis.splitlines() or [str(calculator.MOE53)])[0][:255]
    inst = None
    if case.subject_kind != SubjectKind.PERSON and case.institution_id is not None:
        inst = Institution.objects.filter(pk=case.institution_id).first()
    if inst is not None:
        target = ""
        if Measure.REVOKE in measures:
            target = InstitutionStatus.REVOKED
        elif Measure.STOP_OPERATING in measures:
            # A stop for a term (the ladder's 3 months) is a suspension the institution comes back from.
            target = InstitutionStatus.SUSPENDED if case.stop_months else InstitutionStatus.STOPPED
        elif Measure.STOP_ENROLLING in measures:
            target = InstitutionStatus.SUSPENDED
        if target and inst.status != target:
            institution_change_status(actor=actor, institution=inst, status=target, reason=reason)
        if measures & {Measure.REVOKE, Measure.STOP_OPERATING} and not case.stop_months:
            blacklist_add(
                actor=actor,
                institution=inst,
                reason=reason,
                legal_basis=basis,
                start=case.decided_on,
                end=_term_end(case),
            )
    if Measure.RESTRICT_PRACTICE in measures and case.person is not None:
        assert case.decided_on is not None
        person_blacklist_add(
            actor=actor,
            resident_id=case.person.resident_id,
            name=case.person.name,
            reason=reason,
            start=case.decided_on,
            end=_term_end(case),
            legal_basis=basis,
        )


@transaction.atomic
def case_defence_file(*, actor: User, case: PenaltyCase, text: str, on: datetime.date | None = None) -> PenaltyCase:
    """陈述、申辩: the party (online) or the regulator (on the party's behalf) records the defence in time."""
    on = _today(on)
    case = _locked(actor, case)
    if not (can(actor, "enforcement.answer_own_case", case) or can(actor, "enforcement.handle_case", case)):
        require(actor, "enforcement.answer_own_case", case)
    if case.stage != S.NOTIFIED or case.notified_on is None:
        raise ValidationError(_("案件不在陈述申辩阶段。"), code="invalid_transition")
    if not text.strip():
        raise ValidationError({"text": [_("请填写陈述申辩意见。")]})
    last = rules.defence_deadline(case.notified_on, settings.ENFORCEMENT_DEFENCE_WORKING_DAYS)
    if on > last:
        raise ValidationError(_("陈述申辩期已于%(d)s届满。") % {"d": last.isoformat()}, code="defence_late")
    case.defence_text = text.strip()
    case.defence_on = on
    case.save(update_fields=["defence_text", "defence_on"])
    audit_record(actor=actor, action="case.defence", obj=case, after={"on": on.isoformat()})
    return case


@transaction.atomic
def case_hearing_record(*, actor: User, case: PenaltyCase, record: str, on: datetime.date | None = None) -> PenaltyCase:
    """The hearing was held (on its notified day or later): its record's summary."""
    on = _today(on)
    case = _locked(actor, case)
    require(actor, "enforcement.handle_case", case)
    if case.stage != S.HEARING:
        raise ValidationError(_("案件不在听证阶段。"), code="invalid_transition")
    notice = case.documents.filter(kind=CaseDocumentKind.HEARING_NOTICE).first()
    if notice is None:
        raise ValidationError(_("请先制作听证通知书。"), code="document_required")
    if case.hearing_on is None or on < case.hearing_on:
        raise ValidationError(_("听证日期未到。"), code="hearing_too_soon")
    if not record.strip():
        raise ValidationError({"record": [_("请填写听证笔录摘要。")]})
    case.hearing_held = True
    case.hearing_record = record.strip()
    case.save(update_fields=["hearing_held", "hearing_record"])
    audit_record(actor=actor, action="case.hearing", obj=case, after={"on": on.isoformat()})
    return case


@transaction.atomic
def case_extend(*, actor: User, case: PenaltyCase, days: int, reason: str) -> PenaltyCase:
    """延期: the approving regulator extends the 90-day decision period, with the reason recorded."""
    case = _locked(actor, case)
    require(actor, "enforcement.handle_case", case)
    if case.stage not in (S.FILED, S.INVESTIGATION, S.NOTIFIED, S.HEARING, S.SUSPENDED):
        raise ValidationError(_("案件已作出决定，无需延长办案期限。"), code="decided")
    if days <= 0:
        raise ValidationError({"days": [_("延长天数须大于0。")]})
    if not reason.strip():
        raise ValidationError({"reason": [ValidationError(_("延长办案期限须写明理由。"), code="reason_required")]})
    before = {"extension_days": case.extension_days}
    case.extension_days += days
    case.extension_reason = (case.extension_reason + "\n" + reason.strip()).strip()
    case.extension_approved_by = actor
    case.decide_by = rules.decision_deadline(case.filed_on, case.extension_days)
    case.save(update_fields=["extension_days", "extension_reason", "extension_approved_by", "decide_by"])
    _step(case, actor, "extend", case.stage, reason.strip())
    audit_record(
        actor=actor,
        action="case.extend",
        obj=case,
        before=before,
        after={"extension_days": case.extension_days, "reason": reason.strip()},
    )
    return case


@transaction.atomic
def case_publish(*, actor: User, case: PenaltyCase, summary: str, on: datetime.date | None = None) -> PenaltyCase:
    """Publish a decided case on the exposure board (违规曝光台) with a summary fit for the public."""
    on = _today(on)
    case = _locked(actor, case)
    require(actor, "enforcement.publish_case", case)
    if case.stage not in (S.SERVED, S.EXECUTED, S.CLOSED) or case.decided_on is None:
        raise ValidationError(_("只有已送达的处罚决定才能公开。"), code="not_decided")
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": [_("请填写公开的违法事实摘要。")]})
    if ID_LIKE.search(summary):
        raise ValidationError({"summary": [ValidationError(_("公开内容不得包含身份证号码。"), code="id_number")]})
    case.publication_summary = summary
    case.published_on = on
    case.save(update_fields=["publication_summary", "published_on"])
    audit_record(actor=actor, action="case.publish", obj=case, after={"on": on.isoformat()})
    return case


@transaction.atomic
def case_unpublish(*, actor: User, case: PenaltyCase, reason: str) -> PenaltyCase:
    case = _locked(actor, case)
    require(actor, "enforcement.publish_case", case)
    if not reason.strip():
        raise field_error("reason", _("撤下公开须写明理由。"), "reason_required")
    case.published_on = None
    case.save(update_fields=["published_on"])
    audit_record(actor=actor, action="case.unpublish", obj=case, after={"reason": reason.strip()})
    return case
