"""In-service teachers: yearly pledges (承诺书) and the cases opened when the roster cross-check finds a rostered
teacher employed by an institution.

A pledge is signed online by the teacher through a signed link the school hands out (no login: the teacher confirms
their name and the last 4 characters of their resident ID; the time and a hash of the IP are kept), or recorded by
the school as signed on paper. Once signed it never changes: every later attempt is refused and audited.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from shuangjian.core.access import lock_in_scope_or_404
from shuangjian.core.audit import audit_record
from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import User
from shuangjian.core.permissions import require
from shuangjian.core.uploads import check_upload

from . import rules
from .hooks import inservice_case_listeners
from .models import CaseOutcome, CaseStatus, InServiceCase, Pledge, RosterEntry, School, SignedVia

PLEDGE_SALT = "schools.pledge"


class PledgeSigned(ValidationError):
    """The pledge is already signed: it cannot be changed."""

    def __init__(self) -> None:
        super().__init__(_("该承诺书已签署，不能再修改。"), code="pledge_signed")


def _own_school(actor: User, school: School) -> None:
    link = getattr(actor, "school_admin", None)
    if not actor.is_platform_admin and (link is None or link.school_id != school.pk):
        raise Http404


# --- pledges -------------------------------------------------------------------------------------------------------


@transaction.atomic
def pledges_prepare(*, actor: User, school: School, year: int) -> int:
    """Create this year's pledge for every teacher on the school's current roster lacking one; returns how many."""
    require(actor, "schools.manage_pledges")
    _own_school(actor, school)
    School.objects.select_for_update().filter(pk=school.pk).first()
    have = set(Pledge.objects.filter(school=school, year=year).values_list("resident_id", flat=True))
    entries = RosterEntry.objects.filter(school=school, roster__is_current=True).exclude(resident_id__in=have)
    new = [
        Pledge(school=school, year=year, resident_id=e.resident_id, name=e.name, division_code=school.division_code)
        for e in entries
    ]
    Pledge.objects.bulk_create(new)
    if new:
        audit_record(actor=actor, action="schools.pledges_prepare", obj=school, after={"year": year, "n": len(new)})
    return len(new)


def pledge_token(pledge: Pledge) -> str:
    """The unguessable part of the signing link (signed with SECRET_KEY; no login needed)."""
    return signing.dumps({"p": pledge.pk, "y": pledge.year}, salt=PLEDGE_SALT, compress=True)


def pledge_from_token(token: str) -> Pledge:
    try:
        data = signing.loads(token, salt=PLEDGE_SALT)
        return Pledge.objects.select_related("school").get(pk=int(data["p"]), year=int(data["y"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Pledge.DoesNotExist):
        raise Http404 from None


def ip_hash(ip: str | None) -> str:
    if not ip:
        return ""
    return hashlib.sha256(f"{settings.SECRET_KEY}|pledge|{ip}".encode()).hexdigest()


def _refuse_change(*, actor: User | None, pledge: Pledge, attempt: str) -> NoReturn:
    """Record the refused attempt in its own transaction (the caller's rolls back with the error) and raise."""
    with transaction.atomic():
        audit_record(actor=actor, action="schools.pledge_change_refused", obj=pledge, after={"attempt": attempt})
    raise PledgeSigned


def _failures_key(pledge: Pledge) -> str:
    # The creation time too, so a database whose ids restart (tests, a restored backup) never inherits counts.
    return f"schools:pledge-fail:{pledge.pk}:{pledge.created_at.timestamp():.6f}"


def pledge_sign_online(*, pledge: Pledge, name: str, id_last4: str, ip: str | None) -> Pledge:
    """The teacher signs from the link, confirming their name and the last 4 characters of their ID.

    After ``PLEDGE_SIGN_MAX_FAILURES`` wrong confirmations within an hour the link refuses further tries, so the
    4 characters cannot be found by trying them all."""
    cache = caches["ratelimit"]
    limit = int(settings.PLEDGE_SIGN_MAX_FAILURES)
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if not locked.is_signed:
            key = _failures_key(locked)
            if int(cache.get(key, 0)) >= limit:
                raise ValidationError(
                    _("核对失败次数过多，请 1 小时后再试，或请学校登记纸质签署。"), code="pledge_locked"
                )
            if name.strip() != locked.name or id_last4.strip().upper() != rules.pledge_check_digits(locked.resident_id):
                cache.add(key, 0, timeout=3600)
                cache.incr(key)
                raise ValidationError(_("姓名或身份证号后 4 位与学校名单不符。"), code="pledge_identity")
            locked.signed_at = timezone.now()
            locked.signed_via = SignedVia.ONLINE
            locked.signed_ip_hash = ip_hash(ip)
            locked.save(update_fields=["signed_at", "signed_via", "signed_ip_hash"])
            audit_record(actor=None, action="schools.pledge_sign", obj=locked, after={"via": SignedVia.ONLINE}, ip="")
            return locked
    _refuse_change(actor=None, pledge=pledge, attempt=SignedVia.ONLINE)


def pledge_record_paper(*, actor: User, pledge: Pledge, scan: Any | None = None) -> Pledge:
    """The school records that the teacher signed on paper (with an optional scan: PDF, JPG or PNG)."""
    require(actor, "schools.manage_pledges")
    _own_school(actor, pledge.school)
    if scan is not None:
        check_upload(scan, allowed=("pdf", "jpeg", "png"), max_bytes=int(settings.PLEDGE_SCAN_MAX_BYTES))
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if not locked.is_signed:
            locked.signed_at = timezone.now()
            locked.signed_via = SignedVia.PAPER
            locked.recorded_by = actor
            fields = ["signed_at", "signed_via", "recorded_by"]
            if scan is not None:
                locked.scan = scan
                fields.append("scan")
            locked.save(update_fields=fields)
            audit_record(actor=actor, action="schools.pledge_sign", obj=locked, after={"via": SignedVia.PAPER})
            return locked
    _refuse_change(actor=actor, pledge=pledge, attempt=SignedVia.PAPER)


def pledge_text(pledge: Pledge) -> tuple[str, str]:
    """The pledge's title and text, from the one template both the signing page and the Word file show."""
    title = _("在职中小学教师不参与有偿补课承诺书（%(y)s 年度）") % {"y": pledge.year}
    body = _(
        "本人 %(name)s，系 %(school)s 在职教师。本人郑重承诺：严格遵守《关于进一步减轻义务教育阶段学生作业负担和"
        "校外培训负担的意见》及在职中小学教师有偿补课的有关规定，不组织、不推荐、不诱导学生参加校外培训，"
        "不在校外培训机构兼职或参与有偿补课，不利用职务之便谋取不正当利益。如有违反，自愿接受有关处理。"
    ) % {"name": pledge.name, "school": pledge.school.name}
    return title, body


def pledge_docx(pledge: Pledge) -> bytes:
    """The pledge as a Word document, from the template text below (宋体 for Chinese)."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading, body = pledge_text(pledge)
    run = title.add_run(heading)
    run.bold = True
    run.font.size = Pt(16)
    run.font.name = "黑体"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    doc.add_paragraph(body)
    doc.add_paragraph("")
    if pledge.signed_at:
        signed = timezone.localtime(pledge.signed_at).date().isoformat()
        doc.add_paragraph(
            _("承诺人：%(name)s（%(via)s）") % {"name": pledge.name, "via": pledge.get_signed_via_display()}
        )
        doc.add_paragraph(_("签署日期：%(d)s") % {"d": signed})
    else:
        doc.add_paragraph(_("承诺人（签字）：____________"))
        doc.add_paragraph(_("日期：______年____月____日"))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- cases ---------------------------------------------------------------------------------------------------------


def answer_due(today: datetime.date) -> datetime.date:
    return add_working_days(today, int(settings.INSERVICE_CASE_ANSWER_WORKING_DAYS))


def cases_open_from_flags(*, actor: User | None, flags: Iterable[Any]) -> list[InServiceCase]:
    """One case per roster flag (``staff.EmploymentFlag``: read by attribute, staff sits above schools), in the
    caller's transaction; listeners (the enforcement app's inspection lead) run for each."""
    opened = []
    due = answer_due(timezone.localdate())
    for flag in flags:
        entry = getattr(flag, "roster_entry", None)
        employment = getattr(flag, "employment", None)
        if entry is None or employment is None:
            continue
        case = InServiceCase.objects.create(
            school=entry.school,
            resident_id=entry.resident_id,
            teacher_name=entry.name,
            institution=employment.institution,
            detail=str(getattr(flag, "detail", "")),
            flag_ref=getattr(flag, "pk", None),
            answer_due=due,
            division_code=entry.school.division_code,
        )
        audit_record(
            actor=actor,
            action="schools.case_open",
            obj=case,
            after={"teacher": case.resident_id, "institution": employment.institution_id, "due": due},
        )
        for listener in inservice_case_listeners():
            listener(actor=actor, case=case)
        opened.append(case)
    return opened


@transaction.atomic
def case_answer(*, actor: User, case: InServiceCase, answer: str) -> InServiceCase:
    """The teacher's school answers; it may add to its answer until the county has decided."""
    require(actor, "schools.answer_cases")
    locked = InServiceCase.objects.select_for_update().get(pk=case.pk)
    _own_school(actor, locked.school)
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("请填写学校的说明。"), code="answer_missing")
    if locked.status == CaseStatus.CLOSED:
        raise ValidationError(_("该线索已认定，不能再修改说明。"), code="case_closed")
    before = locked.school_answer
    locked.school_answer = answer
    locked.answered_at = timezone.now()
    locked.status = CaseStatus.ANSWERED
    locked.save(update_fields=["school_answer", "answered_at", "status"])
    audit_record(actor=actor, action="schools.case_answer", obj=locked, before=before, after=answer)
    return locked


@transaction.atomic
def case_decide(*, actor: User, case: InServiceCase, outcome: str, note: str) -> InServiceCase:
    """The county records the outcome against the teacher (a finding the county sees); decided once."""
    require(actor, "schools.decide_cases")
    locked = lock_in_scope_or_404(InServiceCase.objects.all(), actor, pk=case.pk)
    if outcome not in CaseOutcome.values:
        raise ValidationError(_("请选择认定结果。"), code="outcome_missing")
    if locked.status == CaseStatus.CLOSED:
        raise ValidationError(_("该线索已认定，不能再修改。"), code="case_closed")
    locked.outcome = outcome
    locked.outcome_note = note.strip()
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.status = CaseStatus.CLOSED
    locked.save(update_fields=["outcome", "outcome_note", "decided_at", "decided_by", "status"])
    audit_record(actor=actor, action="schools.case_decide", obj=locked, after={"outcome": outcome, "note": note})
    return locked
