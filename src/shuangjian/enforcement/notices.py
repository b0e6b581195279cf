"""Rectification notices (整改通知书) and summons interviews (约谈), inspections area.

A notice is issued from an inspection's failed items (not the passed, not-applicable or waived ones), numbered
per county bureau without gaps (core/numbering.py), with a deadline in working days (core/calendar.py). The
institution answers with evidence; a follow-up inspection rechecks only the notice's items and closes the
notice when all pass, or escalates it to a penalty case. Moves are guarded by ``notice_workflow``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import User
from shuangjian.core.names import division_names
from shuangjian.core.numbering import document_number_next
from shuangjian.core.permissions import can, require
from shuangjian.core.photos import photos_check
from shuangjian.core.uploads import check_upload

from . import notice_workflow as wf
from .evidence import evidence_photo_store
from .models import (
    AnswerFile,
    Inspection,
    InspectionKind,
    InspectionSource,
    InspectionStatus,
    ItemResult,
    NoticeAnswer,
    NoticeStatus,
    RectificationNotice,
    Summons,
)
from .subjects import subject_of

NUMBER_KIND = "rectification"
ANSWER_FILE_KINDS = ("pdf", "jpeg", "png")
ANSWER_MAX_FILES = 5


def bureau_of(division_code: str) -> str:
    """The issuing county bureau's name, e.g. 龙亭区教育局."""
    return _("%(county)s教育局") % {"county": division_names([division_code]).get(division_code, division_code)}


def notice_number(division_code: str, year: int, seq: int) -> str:
    county = division_names([division_code]).get(division_code, division_code)
    short = county[:-1] if len(county) > 2 and county[-1] in "区县市" else county
    # A document number is part of the official record, stored and printed as issued: never translated.
    return f"{short}教整改〔{year}〕{seq}号"


def rectification_deadline(issued_on: datetime.date, working_days: int) -> datetime.date:
    """The last day to rectify: ``working_days`` working days after the day of issue (that day not counted;
    statutory holidays and make-up workdays per core/calendar.py). Length: a setting (local practice)."""
    return add_working_days(issued_on, working_days)


def _guard(actor: User, notice: RectificationNotice, action: str, *, text: str = "") -> wf.Transition:
    t = wf.transition(notice.status, action)
    if t.actor:
        require(actor, t.actor, notice)
    wf.require(t, text=text)
    return t


@transaction.atomic
def notice_issue(
    *,
    actor: User,
    inspection: Inspection,
    requirements: str = "",
    waive: Mapping[str, str] | None = None,
    issued_on: datetime.date | None = None,
) -> RectificationNotice:
    """Issue the rectification notice for an inspection's failed items; ``waive`` maps item code → reason for
    failed items that need no rectification (e.g. corrected on the spot)."""
    insp = Inspection.objects.select_for_update().get(pk=inspection.pk)
    require(actor, "enforcement.issue_notice", insp)
    if insp.status != InspectionStatus.DONE:
        raise ValidationError(_("检查尚未完成，不能下达整改通知书。"), code="inspection_not_done")
    if RectificationNotice.objects.filter(inspection=insp).exists():
        raise ValidationError(_("该检查已下达整改通知书。"), code="notice_exists")
    waive = dict(waive or {})
    failed = list(insp.items.filter(result=ItemResult.FAILED))
    for item in failed:
        reason = waive.get(item.code, "").strip()
        if reason:
            item.waived, item.waive_reason = True, reason[:255]
            item.save(update_fields=["waived", "waive_reason"])
    to_rectify = [i for i in failed if i.needs_rectification]
    if not to_rectify:
        raise ValidationError(_("没有需要整改的不合格项，无需下达整改通知书。"), code="nothing_to_rectify")
    today = issued_on or timezone.localdate()
    days = int(settings.RECTIFICATION_WORKING_DAYS)
    seq = document_number_next(issuer=f"education:{insp.division_code}", kind=NUMBER_KIND, year=today.year)
    notice = RectificationNotice.objects.create(
        **subject_of(insp).fields(),
        inspection=insp,
        number=notice_number(insp.division_code, today.year, seq),
        year=today.year,
        seq=seq,
        requirements=requirements.strip(),
        issued_on=today,
        working_days=days,
        deadline=rectification_deadline(today, days),
        issued_by=actor,
    )
    notice.items.set(to_rectify)
    audit_record(
        actor=actor,
        action="notice.issue",
        obj=notice,
        after={"number": notice.number, "items": [i.code for i in to_rectify], "deadline": str(notice.deadline)},
    )
    return notice


@transaction.atomic
def notice_answer(
    *,
    actor: User,
    notice: RectificationNotice,
    text: str,
    photos: Sequence[Any] = (),
    files: Sequence[Any] = (),
) -> NoticeAnswer:
    """The institution's answer: what it corrected, with photos and documents as evidence."""
    row = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    _guard(actor, row, "answer", text=text)
    errors: dict[str, list[str]] = {}
    try:
        checked = photos_check(list(photos), max_count=int(settings.INSPECTION_PHOTOS_PER_ITEM))
    except ValidationError as exc:
        errors["photos"] = exc.messages
    if len(files) > ANSWER_MAX_FILES:
        errors["files"] = [_("最多上传 %(n)d 个文件。") % {"n": ANSWER_MAX_FILES}]
    else:
        for f in files:
            try:
                check_upload(
                    f, allowed=ANSWER_FILE_KINDS, max_bytes=int(getattr(settings, "PHOTO_MAX_BYTES", 10 * 1024 * 1024))
                )
            except ValidationError as exc:
                errors.setdefault("files", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    answer = NoticeAnswer.objects.create(notice=row, text=text.strip(), submitted_by=actor)
    for photo in checked:
        evidence_photo_store(
            actor=actor, photo=photo, division_code=row.division_code, institution=row.institution, answer=answer
        )
    for f in files:
        f.seek(0)
        af = AnswerFile(answer=answer, original_name=str(getattr(f, "name", ""))[:255])
        af.file.save(str(getattr(f, "name", "file")).rsplit("/", 1)[-1][:100], ContentFile(f.read()), save=False)
        af.save()
    before = row.status
    row.status = NoticeStatus.ANSWERED
    row.answered_at = timezone.now()
    row.save(update_fields=["status", "answered_at"])
    audit_record(actor=actor, action="notice.answer", obj=row, before={"status": before}, after={"status": row.status})
    return answer


@transaction.atomic
def notice_follow_up(
    *, actor: User, notice: RectificationNotice, planned_on: datetime.date | None = None
) -> Inspection:
    """Plan the follow-up inspection (kind follow_up, follows the original) of the notice's failed items only."""
    row = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    _guard(actor, row, "follow_up")
    follow = Inspection.objects.create(
        **subject_of(row).fields(),
        kind=InspectionKind.FOLLOW_UP,
        status=InspectionStatus.PLANNED,
        source=InspectionSource.NOTICE,
        source_ref=row.number,
        planned_on=planned_on or timezone.localdate(),
        follows=row.inspection,
        lead_inspector=actor,
        created_by=actor,
    )
    follow.inspectors.add(actor)
    row.status, row.follow_up = NoticeStatus.CHECKING, follow
    row.save(update_fields=["status", "follow_up"])
    audit_record(actor=actor, action="notice.follow_up", obj=row, after={"follow_up": follow.pk})
    return follow


def notice_follow_up_done(*, actor: User, inspection: Inspection) -> RectificationNotice | None:
    """The follow-up inspection was submitted: all the notice's items pass → closed; otherwise escalated."""
    notice = RectificationNotice.objects.select_for_update().filter(follow_up=inspection).first()
    if notice is None or notice.status != NoticeStatus.CHECKING:
        return notice
    codes = set(notice.items.values_list("code", flat=True))
    still_failed = sorted(
        inspection.items.filter(code__in=codes, result=ItemResult.FAILED).values_list("label", flat=True)
    )
    if not still_failed:
        wf.transition(notice.status, "close")
        notice.status, notice.closed_at = NoticeStatus.CLOSED, timezone.now()
        notice.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="notice.close", obj=notice, after={"follow_up": inspection.pk})
        return notice
    reason = _("复查仍不合格：%(items)s。") % {"items": "、".join(still_failed)}
    return _escalate(actor=actor, notice=notice, reason=reason)


def _escalate(*, actor: User, notice: RectificationNotice, reason: str) -> RectificationNotice:
    before = notice.status
    notice.status, notice.escalated_at, notice.escalation_reason = NoticeStatus.ESCALATED, timezone.now(), reason
    notice.save(update_fields=["status", "escalated_at", "escalation_reason"])
    audit_record(actor=actor, action="notice.escalate", obj=notice, before={"status": before}, after={"reason": reason})
    # The regulator files the case from the notice page (转立案: views.cases.case_new?notice=), which brings the
    # notice's institution, number, findings and inspection along; filing stays a decision a person takes.
    return notice


@transaction.atomic
def notice_escalate(*, actor: User, notice: RectificationNotice, reason: str) -> RectificationNotice:
    """Escalate the notice to a penalty case (转立案), with the reason recorded."""
    row = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
    _guard(actor, row, "escalate", text=reason)
    return _escalate(actor=actor, notice=row, reason=reason.strip())


def notice_overdue(notice: RectificationNotice, today: datetime.date | None = None) -> bool:
    return notice.status in (NoticeStatus.ISSUED, NoticeStatus.ANSWERED) and notice.deadline < (
        today or timezone.localdate()
    )


@transaction.atomic
def notices_remind_overdue(*, today: datetime.date | None = None) -> int:
    """Mark every overdue open notice as chased today (one reminder a day, audited); answers how many."""
    today = today or timezone.localdate()
    due = (
        RectificationNotice.objects.select_for_update()
        .filter(status=NoticeStatus.ISSUED, deadline__lt=today)
        .exclude(last_reminded_on=today)
    )
    n = 0
    for notice in due:
        notice.last_reminded_on = today
        notice.reminders += 1
        notice.save(update_fields=["last_reminded_on", "reminders"])
        audit_record(actor=None, action="notice.remind", obj=notice, after={"reminders": notice.reminders})
        n += 1
    return n


@transaction.atomic
def summons_record(
    *,
    actor: User,
    notice: RectificationNotice,
    held_on: datetime.date,
    participants: str,
    minutes: str,
    place: str = "",
) -> Summons:
    """A summons interview (约谈) about a notice, with who took part and the minutes."""
    require(actor, "enforcement.record_summons", notice)
    errors: dict[str, list[str]] = {}
    if not participants.strip():
        errors["participants"] = [_("请填写参加人员。")]
    if not minutes.strip():
        errors["minutes"] = [_("请填写约谈纪要。")]
    if held_on > timezone.localdate():
        errors["held_on"] = [_("约谈日期不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    row = Summons.objects.create(
        **subject_of(notice).fields(),
        notice=notice,
        held_on=held_on,
        place=place.strip()[:255],
        participants=participants.strip(),
        minutes=minutes.strip(),
        created_by=actor,
    )
    audit_record(actor=actor, action="summons.record", obj=row, after={"notice": notice.number})
    return row


def notice_buttons(user: User, notice: RectificationNotice) -> list[wf.Transition]:
    """The moves this user may take on the notice now (the table decides, the permission on the row agrees)."""
    return [t for t in wf.TRANSITIONS if notice.status in t.sources and t.actor and can(user, t.actor, notice)]
