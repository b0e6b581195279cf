"""Every write to competition filings and findings: rules, the workflow's guard, row locks, history and audit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.access import has_forbidden_characters, operator_institution
from shuangjian.core.audit import audit_record
from shuangjian.core.models import User
from shuangjian.core.permissions import require as require_perm
from shuangjian.core.rules import Violation, raise_if_any
from shuangjian.core.scope import code_in_scope, user_reach
from shuangjian.core.validators import validate_uscc
from shuangjian.registry.models import Institution

from . import rules, workflow
from .models import (
    Competition,
    CompetitionFinding,
    CompetitionStatus,
    CompetitionStep,
    FilingCounter,
    FindingSource,
    OrganiserKind,
)

S = CompetitionStatus


@dataclass(frozen=True)
class CompetitionData:
    """What an applicant fills in. ``organiser_institution`` for a registered institution; otherwise an association
    named with its USCC, filed under ``division_code`` (a county in the recording bureau's reach)."""

    name: str
    subject_area: str
    levels: list[str]
    starts_on: datetime.date
    ends_on: datetime.date
    places: str
    fee_fen: int
    certificate_text: str
    contact_name: str
    contact_phone: str
    organiser_institution: Institution | None = None
    organiser_name: str = ""
    organiser_uscc: str = ""
    division_code: str = ""


def facts_of(c: Competition | CompetitionData) -> rules.CompetitionFacts:
    return rules.CompetitionFacts(
        name=c.name,
        fee_fen=c.fee_fen,
        certificate_text=c.certificate_text,
        levels=tuple(c.levels),
        starts_on=c.starts_on,
        ends_on=c.ends_on,
    )


def _organiser(actor: User, data: CompetitionData) -> tuple[str, Institution | None, str, str, str]:
    """(kind, institution, name, uscc, division) for the filing, as the actor may file it; else a refusal."""
    own = operator_institution(actor)
    if own is not None:
        # An operator files for its own institution only, whatever the form sent.
        return OrganiserKind.INSTITUTION, own, own.name, own.uscc, own.division_code
    inst = data.organiser_institution
    if inst is not None:
        if not code_in_scope(actor, inst.division_code):
            raise Http404
        return OrganiserKind.INSTITUTION, inst, inst.name, inst.uscc, inst.division_code
    name = data.organiser_name.strip()
    if not name:
        raise ValidationError({"organiser_name": _("请填写主办方名称。")}, code="organiser_required")
    uscc = validate_uscc(data.organiser_uscc)
    division = data.division_code.strip()
    reach = user_reach(actor)
    if len(division) != 6 or reach is None or not division.startswith(reach):
        raise ValidationError({"division_code": _("请选择本辖区内的县区。")}, code="division_out_of_reach")
    return OrganiserKind.ASSOCIATION, None, name, uscc, division


def _fill(c: Competition, actor: User, data: CompetitionData) -> None:
    # Places may run over several lines; the one-line fields may hold no control character at all.
    for text in (data.name, data.places.replace("\r", "").replace("\n", ""), data.contact_name, data.contact_phone):
        if has_forbidden_characters(text):
            raise ValidationError(_("不能包含控制字符或不可见字符。"), code="forbidden_characters")
    kind, inst, name, uscc, division = _organiser(actor, data)
    c.organiser_kind = kind
    c.organiser_institution = inst
    c.organiser_name = name
    c.organiser_uscc = uscc
    c.division_code = division
    c.name = data.name.strip()
    c.subject_area = data.subject_area
    c.levels = list(data.levels)
    c.starts_on = data.starts_on
    c.ends_on = data.ends_on
    c.places = data.places.strip()
    c.fee_fen = data.fee_fen
    c.certificate_text = data.certificate_text.strip()
    c.contact_name = data.contact_name.strip()
    c.contact_phone = data.contact_phone.strip()
    c.cycle = rules.cycle_of(data.starts_on)


def _date_order(c: Competition) -> list[Violation]:
    # A draft may still lack levels or the certificate statement (checked on submit), never ordered dates.
    return [v for v in rules.check_shape(facts_of(c)) if v.code == "competition.ends_before_start"]


def _snapshot(c: Competition) -> dict[str, object]:
    return {
        "name": c.name,
        "organiser_name": c.organiser_name,
        "organiser_uscc": c.organiser_uscc,
        "subject_area": c.subject_area,
        "levels": c.levels,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "places": c.places,
        "fee_fen": c.fee_fen,
        "certificate_text": c.certificate_text,
        "division_code": c.division_code,
        "status": c.status,
    }


def _step(c: Competition, *, actor: User | None, before: str, comment: str = "") -> None:
    CompetitionStep.objects.create(
        competition=c,
        from_status=before,
        to_status=c.status,
        actor=actor if actor and actor.pk else None,
        comment=comment,
    )


@transaction.atomic
def competition_create(*, actor: User, data: CompetitionData, submit: bool = False) -> Competition:
    """A new filing in draft (an operator for its institution, a bureau for what it received); submitted at once
    when ``submit`` — then every rule must hold."""
    require_perm(actor, "competitions.apply")
    c = Competition(applicant=actor, status=S.DRAFT)
    _fill(c, actor, data)
    require_perm(actor, "competitions.apply", c)
    raise_if_any(_date_order(c))
    c.save()
    _step(c, actor=actor, before="")
    audit_record(actor=actor, action="competition.create", obj=c, after=_snapshot(c))
    if submit:
        return competition_submit(actor=actor, competition=c)
    return c


def _lock(actor: User | None, competition: Competition) -> Competition:
    """The filing locked for update; the actor must be able to see it (else 404)."""
    qs = Competition.objects.select_for_update(of=("self",))
    c = qs.filter(pk=competition.pk).first()
    if c is None:
        raise Http404
    if actor is not None and not (
        workflow.ACTORS[workflow.REVIEWER](actor, c) or workflow.ACTORS[workflow.APPLICANT](actor, c)
    ):
        raise Http404
    return c


@transaction.atomic
def competition_update(*, actor: User, competition: Competition, data: CompetitionData) -> Competition:
    """Change a draft (only a draft: a submitted filing is the one the bureau reviews)."""
    c = _lock(actor, competition)
    if not workflow.ACTORS[workflow.APPLICANT](actor, c):
        raise Http404
    if c.status != S.DRAFT:
        raise ValidationError(_("只有草稿可以修改。"), code="not_draft")
    before = _snapshot(c)
    _fill(c, actor, data)
    raise_if_any(_date_order(c))
    after = _snapshot(c)
    if after == before:
        return c
    c.save()
    audit_record(actor=actor, action="competition.update", obj=c, before=before, after=after)
    return c


def _move(*, actor: User | None, competition: Competition, action: str, comment: str = "") -> tuple[Competition, str]:
    c = _lock(actor, competition)
    step = workflow.transition(c.status, action)
    if not workflow.may_act(step, actor, c):
        if actor is not None and workflow.ACTORS[workflow.APPLICANT](actor, c) and step.actor == workflow.REVIEWER:
            raise ValidationError(_("该操作应由辖区教育行政部门办理。"), code="not_reviewer")
        raise Http404
    workflow.require(step, comment=comment)
    before = c.status
    c.status = step.target
    return c, before


def _finish(c: Competition, *, actor: User | None, before: str, action: str, comment: str = "") -> Competition:
    c.save()
    _step(c, actor=actor, before=before, comment=comment)
    audit_record(
        actor=actor,
        action=action,
        obj=c,
        before={"status": before},
        after={"status": c.status, "comment": comment, "filing_no": c.filing_no or ""},
    )
    return c


@transaction.atomic
def competition_submit(*, actor: User, competition: Competition) -> Competition:
    """Submit for review: refused, naming each rule, if the fee is not zero or the certificate lacks the statement."""
    c, before = _move(actor=actor, competition=competition, action="submit")
    raise_if_any(rules.check_competition(facts_of(c)))
    c.submitted_at = timezone.now()
    return _finish(c, actor=actor, before=before, action="competition.submit")


def format_filing_no(issued_by_code: str, cycle: int, seq: int) -> str:
    """The number printed on flyers: JS-<bureau's division code>-<cycle>-<sequence>."""
    return f"JS-{issued_by_code}-{cycle}-{seq:04d}"


def issuing_body(actor: User, competition: Competition) -> str:
    """The bureau that numbers the filing: the approving regulator's own division (a city bureau keeps a series of
    its own); a platform administrator approves in the filing county's name."""
    if actor.is_scoped_staff and actor.scope_code and not actor.is_platform_admin:
        return str(actor.scope_code)[:6]
    return competition.division_code


def next_filing_no(*, issued_by_code: str, cycle: int) -> str:
    """The next number of the bureau's series for the cycle: gapless and unique under concurrent approvals.

    The counter row is created if missing (ignoring a concurrent creator) and then locked until commit, so a
    second approval waits here and reads the first one's number; a rolled-back approval gives its number back.
    """
    FilingCounter.objects.bulk_create(
        [FilingCounter(issued_by_code=issued_by_code, cycle=cycle, last=0)], ignore_conflicts=True
    )
    counter = FilingCounter.objects.select_for_update().get(issued_by_code=issued_by_code, cycle=cycle)
    number = format_filing_no(issued_by_code, cycle, counter.last + 1)
    counter.last += 1
    counter.save(update_fields=["last"])
    return number


@transaction.atomic
def competition_approve(*, actor: User, competition: Competition, comment: str = "") -> Competition:
    """准予备案: the rules are checked again and the filing gets the next number of the bureau's series."""
    c, before = _move(actor=actor, competition=competition, action="approve", comment=comment)
    raise_if_any(rules.check_competition(facts_of(c)))
    c.issued_by_code = issuing_body(actor, c)
    c.filing_no = next_filing_no(issued_by_code=c.issued_by_code, cycle=c.cycle)
    c.filing_key = rules.normalise_filing_no(c.filing_no)
    c.reviewer = actor
    c.decided_at = timezone.now()
    return _finish(c, actor=actor, before=before, action="competition.approve", comment=comment)


@transaction.atomic
def competition_refuse(*, actor: User, competition: Competition, reason: str) -> Competition:
    """不予备案, with the reason the organiser reads."""
    c, before = _move(actor=actor, competition=competition, action="refuse", comment=reason)
    c.refusal_reason = reason.strip()
    c.reviewer = actor
    c.decided_at = timezone.now()
    return _finish(c, actor=actor, before=before, action="competition.refuse", comment=reason)


@transaction.atomic
def competition_publish(*, actor: User, competition: Competition, comment: str = "") -> Competition:
    """On the public list from now on: the portal's lookup finds it by name and by number."""
    c, before = _move(actor=actor, competition=competition, action="publish", comment=comment)
    c.published_at = timezone.now()
    return _finish(c, actor=actor, before=before, action="competition.publish", comment=comment)


@transaction.atomic
def competition_withdraw(*, actor: User, competition: Competition, reason: str) -> Competition:
    """撤销备案: off the public list; a parent looking the number up hears that it was withdrawn."""
    c, before = _move(actor=actor, competition=competition, action="withdraw", comment=reason)
    c.withdrawal_reason = reason.strip()
    return _finish(c, actor=actor, before=before, action="competition.withdraw", comment=reason)


ACTIONS = {
    "submit": lambda actor, c, comment: competition_submit(actor=actor, competition=c),
    "approve": lambda actor, c, comment: competition_approve(actor=actor, competition=c, comment=comment),
    "refuse": lambda actor, c, comment: competition_refuse(actor=actor, competition=c, reason=comment),
    "publish": lambda actor, c, comment: competition_publish(actor=actor, competition=c, comment=comment),
    "withdraw": lambda actor, c, comment: competition_withdraw(actor=actor, competition=c, reason=comment),
}


def competition_act(*, actor: User, competition: Competition, action: str, comment: str = "") -> Competition:
    """The button a person pressed on the filing's page; an unknown action is refused like a wrong state."""
    run = ACTIONS.get(action)
    if run is None:
        raise ValidationError(_("未知的操作。"), code="invalid_transition")
    result: Competition = run(actor, competition, comment)
    return result


@transaction.atomic
def competitions_expire_ended(*, today: datetime.date | None = None) -> int:
    """Filings of a cycle that has ended leave the list (run daily by the beat task); returns how many."""
    year = (today or timezone.localdate()).year
    count = 0
    ended = Competition.objects.select_for_update().filter(status__in=(S.APPROVED, S.PUBLISHED), cycle__lt=year)
    for c in ended.order_by("pk"):
        workflow.transition(c.status, "expire")
        before = c.status
        c.status = S.EXPIRED
        _finish(c, actor=None, before=before, action="competition.expire")
        count += 1
    return count


# --- findings ----------------------------------------------------------------------------------------------------


@transaction.atomic
def competition_finding_record(
    *,
    actor: User,
    organiser_institution: Institution | None = None,
    organiser_name: str = "",
    competition_name: str,
    facts: str,
    source_kind: str,
    source_ref: str,
) -> CompetitionFinding:
    """An unfiled (or illegal) competition found by a report or an inspection, recorded against its organiser.

    Filed under the institution's county; an organiser known only by name is filed under the recorder's own
    division (a city-level recorder must name a registered institution or be scoped to a county)."""
    require_perm(actor, "competitions.view_findings")
    name = (organiser_institution.name if organiser_institution is not None else organiser_name).strip()
    if organiser_institution is not None:
        division = organiser_institution.division_code
        if not code_in_scope(actor, division):
            raise Http404
    else:
        reach = user_reach(actor) or ""
        division = reach[:6] if len(reach) >= 6 else ""
    errors: dict[str, str] = {}
    if not name:
        errors["organiser_name"] = _("请填写主办方名称或选择机构。")
    if not competition_name.strip():
        errors["competition_name"] = _("请填写竞赛名称。")
    if not facts.strip():
        errors["facts"] = _("请写明查实情况。")
    if source_kind not in FindingSource.values:
        errors["source_kind"] = _("请选择线索来源。")
    if not division:
        errors["organiser_name"] = _("市级用户记录时请选择登记在册的机构，以确定所属县区。")
    if any(has_forbidden_characters(t) for t in (name, competition_name, source_ref)):
        errors["competition_name"] = _("不能包含控制字符或不可见字符。")
    if errors:
        raise ValidationError(errors, code="invalid")
    finding = CompetitionFinding(
        organiser_institution=organiser_institution,
        organiser_name=name,
        competition_name=competition_name.strip(),
        facts=facts.strip(),
        source_kind=source_kind,
        source_ref=source_ref.strip(),
        division_code=division,
        recorded_by=actor,
    )
    require_perm(actor, "competitions.record_finding", finding)
    finding.save()
    audit_record(
        actor=actor,
        action="competition_finding.record",
        obj=finding,
        after={
            "organiser_institution": organiser_institution.pk if organiser_institution else None,
            "organiser_name": name,
            "competition_name": finding.competition_name,
            "source_kind": source_kind,
            "source_ref": finding.source_ref,
        },
    )
    return finding
