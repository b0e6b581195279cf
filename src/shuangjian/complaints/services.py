"""Writes of public reports: intake (public, Open311 or staff by channel), each handling step, merge, rating,
dispute, and the nightly escalation. Each write is atomic and audited; photos are checked before any row exists.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import Department, Division, Role, User
from shuangjian.core.permissions import require
from shuangjian.core.photos import Photo, photos_check
from shuangjian.enforcement.models import Inspection, InspectionKind, InspectionSource, InspectionStatus, PenaltyCase
from shuangjian.enforcement.services import inspection_lead_create, unlicensed_operation_record
from shuangjian.enforcement.subjects import Subject, subject_of
from shuangjian.registry.models import Institution

from . import rules, stats
from .models import (
    INTERNAL_CHANNELS,
    Category,
    Channel,
    Level,
    PublicStatistics,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
)
from .workflow import OPEN_STATES, transition_for

S = ReportStatus
PUBLIC_CHANNELS = (Channel.WEB, Channel.API)
_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")


def deadlines() -> rules.Deadlines:
    return rules.Deadlines(
        acknowledge_working_days=int(getattr(settings, "COMPLAINTS_ACKNOWLEDGE_WORKING_DAYS", 1)),
        assign_working_days=int(getattr(settings, "COMPLAINTS_ASSIGN_WORKING_DAYS", 2)),
        answer_working_days=int(getattr(settings, "COMPLAINTS_ANSWER_WORKING_DAYS", 15)),
        outer_bound_days=int(getattr(settings, "COMPLAINTS_OUTER_BOUND_DAYS", 60)),
    )


def department_for(category: str) -> str:
    """The department that handles a category (setting ``COMPLAINTS_CATEGORY_DEPARTMENTS``; education otherwise)."""
    mapping: dict[str, str] = getattr(settings, "COMPLAINTS_CATEGORY_DEPARTMENTS", {})
    dept = mapping.get(category, Department.EDUCATION)
    return dept if dept in Department.values else Department.EDUCATION


def county_choices(city_code: str = "") -> list[tuple[str, str]]:
    qs = Division.objects.filter(level="county")
    if city_code:
        qs = qs.filter(code__startswith=city_code)
    return list(qs.order_by("code").values_list("code", "name"))


@dataclass(frozen=True)
class ReportInput:
    category: str
    description: str
    address: str
    division_code: str = ""
    institution: Institution | None = None
    institution_name: str = ""
    phone: str = ""
    channel: str = Channel.WEB
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _clean_text(value: str, field: str, max_chars: int, errors: dict[str, list[str]], *, required: bool) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        errors[field] = [_("内容中含有无法保存的空字符。")]
    elif required and not text:
        errors[field] = [_("此项为必填项。")]
    elif len(text) > max_chars:
        errors[field] = [_("内容过长：最多 %(n)d 个字。") % {"n": max_chars}]
    return text


def report_input_check(data: ReportInput) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Every field checked at once: the cleaned values and the errors per field (nothing written)."""
    errors: dict[str, list[str]] = {}
    max_desc = int(getattr(settings, "COMPLAINTS_DESCRIPTION_MAX_CHARS", 5000))
    if data.category not in Category.values:
        errors["category"] = [_("请选择举报类别。")]
    if data.channel not in Channel.values:
        errors["channel"] = [_("未知的来源渠道。")]
    description = _clean_text(data.description, "description", max_desc, errors, required=True)
    address = _clean_text(data.address, "address", 255, errors, required=True)
    name = _clean_text(data.institution_name, "institution_name", 128, errors, required=False)
    phone = (data.phone or "").strip()
    if phone and not _PHONE.match(phone):
        errors["phone"] = [_("请填写有效的电话号码。")]
    counties = county_choices()
    codes = {code for code, _n in counties}
    division = data.division_code if data.division_code in codes else ""
    if data.division_code and not division:
        errors["division_code"] = [_("请选择所在县区。")]
    if data.institution is not None:
        division = division or data.institution.division_code
        name = name or data.institution.name
    if not division and address:
        division = rules.county_in_address(address, counties) or ""
    if not division and "division_code" not in errors:
        errors["division_code"] = [_("无法从地址判断所在县区，请选择县区。")]
    if data.latitude is not None and not Decimal(-90) <= data.latitude <= Decimal(90):
        errors["lat"] = [_("纬度超出范围。")]
    if data.longitude is not None and not Decimal(-180) <= data.longitude <= Decimal(180):
        errors["long"] = [_("经度超出范围。")]
    clean = {
        "category": data.category,
        "description": description,
        "address": address,
        "institution_name": name,
        "phone": phone,
        "division_code": division,
    }
    return clean, errors


def _event(report: Report, action: str, actor: User | None, note: str = "") -> None:
    ReportEvent.objects.create(report=report, action=action, status=report.status, public_note=note, actor=actor)


def report_submit(
    *, actor: User | None, data: ReportInput, uploads: Sequence[Any] = (), ip: str | None = None
) -> Report:
    """File a report. The public (signed in or not) files on the web or Open311; staff record the other channels.

    Every field and every photo is checked before anything is written; then the report, its photos and its first
    event are written in one transaction."""
    if data.channel not in PUBLIC_CHANNELS:
        require(actor, "complaints.record_report")
    clean, errors = report_input_check(data)
    if data.channel in INTERNAL_CHANNELS:
        # Raised from a record on the platform only (report_record_from_source), so that it links back to it.
        errors["channel"] = [_("网格员上报的举报请从网格发现转入。")]
    photos: list[Photo] = []
    try:
        photos = photos_check(list(uploads), max_count=int(getattr(settings, "COMPLAINTS_MAX_PHOTOS", 9)))
    except ValidationError as exc:
        errors["photos"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        report = _create_with_unique_code(
            **clean,
            channel=data.channel,
            institution=data.institution,
            latitude=data.latitude,
            longitude=data.longitude,
            reporter=actor if actor is not None and actor.role == Role.PARENT else None,
            recorded_by=actor if data.channel not in PUBLIC_CHANNELS else None,
            department=department_for(data.category),
            received_at=now,
            due_on=rules.acknowledge_due(timezone.localdate(now), deadlines(), add_working_days),
        )
        _photos_save(report, photos)
        _event(report, "submit", actor, _("已收到举报，等待受理。"))
        audit_record(
            actor=actor,
            action="report.submit",
            obj=report,
            ip=ip,
            after={"code": report.code, "category": report.category, "channel": report.channel, "photos": len(photos)},
        )
    return report


def _photos_save(report: Report, photos: Sequence[Photo]) -> None:
    for photo in photos:
        taken = photo.taken_at
        if taken is not None and timezone.is_naive(taken):
            taken = timezone.make_aware(taken)
        row = ReportPhoto(
            report=report,
            sha256=photo.original_sha256,
            original_format=photo.original_format,
            original_bytes=photo.original_bytes,
            width=photo.width,
            height=photo.height,
            taken_at=taken,
            latitude=photo.latitude,
            longitude=photo.longitude,
        )
        row.image.save(f"{photo.original_sha256[:16]}.jpg", ContentFile(photo.display), save=False)
        row.save()


def report_record_from_source(
    *,
    actor: User,
    data: ReportInput,
    reporter: User,
    source_ref: str,
    photos: Sequence[Photo] = (),
    inspection: Inspection | None = None,
) -> tuple[Report, bool]:
    """A report raised inside the platform from a record of another app (a grid officer's finding): the reporter
    is the account that found it, ``actor`` who turned it into a report. One report per ``source_ref``: asking
    again answers the report already made (``created`` False). Photos come already checked (core/photos.py).
    An inspection lead already raised from the same record is the report's check when it is accepted."""
    require(actor, "complaints.record_source_report")
    if not source_ref or ":" not in source_ref:
        raise ValidationError(_("缺少来源记录。"), code="source_required")
    existing = Report.objects.filter(source_ref=source_ref).first()
    if existing is not None:
        return existing, False
    if data.channel not in INTERNAL_CHANNELS:
        raise ValidationError({"channel": [_("未知的来源渠道。")]}, code="invalid_channel")
    clean, errors = report_input_check(data)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        report = _create_with_unique_code(
            **clean,
            channel=data.channel,
            institution=data.institution,
            latitude=data.latitude,
            longitude=data.longitude,
            reporter=reporter,
            recorded_by=actor,
            source_ref=source_ref,
            inspection=inspection,
            department=department_for(data.category),
            received_at=now,
            due_on=rules.acknowledge_due(timezone.localdate(now), deadlines(), add_working_days),
        )
        _photos_save(report, photos)
        _event(report, "submit", actor, _("已收到举报，等待受理。"))
        audit_record(
            actor=actor,
            action="report.submit",
            obj=report,
            after={
                "code": report.code,
                "category": report.category,
                "channel": report.channel,
                "source": source_ref,
                "photos": len(photos),
            },
        )
    return report, True


def _create_with_unique_code(**fields: Any) -> Report:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Report.objects.create(code=rules.tracking_code_new(), **fields)
        except IntegrityError:  # a code already taken (one in 8×10^14): draw another
            if fields.get("source_ref") and Report.objects.filter(source_ref=fields["source_ref"]).exists():
                raise ValidationError(_("该记录已转为举报。"), code="source_taken") from None
            continue
    raise ValidationError(_("暂时无法生成查询码，请稍后再试。"), code="code_exhausted")


# --- handling ----------------------------------------------------------------------------------------------------


def _locked(report: Report, actor: User | None, action: str) -> Report:
    row = Report.objects.select_for_update().get(pk=report.pk)
    if actor is not None:
        require(actor, "complaints.handle_report", row)
    transition_for(action, row.status)
    return row


def _move(row: Report, actor: User | None, action: str, note: str, **after: Any) -> Report:
    before = {"status": row.status}
    target = transition_for(action, row.status).target
    if target:
        row.status = target
    row.save()
    _event(row, action, actor, note)
    audit_record(actor=actor, action=f"report.{action}", obj=row, before=before, after={"status": row.status, **after})
    return row


def _today() -> datetime.date:
    return timezone.localdate()


def _subject(actor: User, row: Report) -> Subject:
    if row.institution is not None:
        return Subject.of_institution(row.institution)
    op = unlicensed_operation_record(
        actor=actor,
        name=row.institution_name or _("举报地点（名称不详）"),
        address=row.address,
        division_code=row.division_code,
        latitude=row.latitude,
        longitude=row.longitude,
        description=_("群众举报 %(code)s") % {"code": row.display_code},
    )
    return Subject.of_unlicensed(op)


def _raise_inspection(actor: User, row: Report, kind: str = InspectionKind.REPORT) -> Inspection:
    """Every accepted report is checked (凡举报必检查, RULES.md): acceptance raises the inspection lead; a disputed
    answer raises a recheck (回头看) when the report is dispatched again."""
    # A recheck concerns the same subject as the first inspection (no second unlicensed-operation row).
    subject = subject_of(row.inspection) if row.inspection is not None else _subject(actor, row)
    return inspection_lead_create(
        actor=actor,
        subject=subject,
        kind=kind,
        source=InspectionSource.REPORT,
        source_ref=row.code,
        note=row.description[:500],
    )


@transaction.atomic
def report_accept(*, actor: User, report: Report) -> Report:
    row = _locked(report, actor, "accept")
    today = _today()
    row.acknowledged_at = timezone.now()
    # A report raised from a grid finding may come with the finding's inspection lead: that is its check.
    if row.inspection is None or row.inspection.status == InspectionStatus.CANCELLED:
        row.inspection = _raise_inspection(actor, row)
    row.due_on = rules.assign_due(today, deadlines(), add_working_days)
    row.answer_due_on = rules.answer_due(today, deadlines(), add_working_days)
    return _move(row, actor, "accept", _("举报已受理，将安排核查。"), inspection=row.inspection.pk)


@transaction.atomic
def report_refuse(*, actor: User, report: Report, reason: str) -> Report:
    row = _locked(report, actor, "refuse")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写不予受理的理由，举报人可以看到。")]}, code="reason_required")
    row.acknowledged_at = timezone.now()
    row.refuse_reason = reason[:2000]
    row.due_on = None
    return _move(row, actor, "refuse", _("不予受理：%(r)s") % {"r": row.refuse_reason})


@transaction.atomic
def report_assign(*, actor: User, report: Report, department: str = "") -> Report:
    """Assigned to the county of the place (already on the row) and the department of the category."""
    row = _locked(report, actor, "assign")
    if department and department not in Department.values:
        raise ValidationError({"department": [_("未知的部门。")]}, code="invalid_department")
    row.department = department or department_for(row.category)
    row.assigned_at = timezone.now()
    row.due_on = row.answer_due_on
    note = _("已分办至 %(dept)s 部门办理。") % {"dept": Department(row.department).label}
    return _move(row, actor, "assign", note, department=row.department)


@transaction.atomic
def report_dispatch(*, actor: User, report: Report, inspectors: Iterable[User]) -> Report:
    row = _locked(report, actor, "dispatch")
    people = [u for u in inspectors if u.role in (Role.INSPECTOR, Role.REGULATOR)]
    if not people or any(not row.division_code.startswith(u.scope_code or "-") for u in people):
        raise ValidationError({"inspectors": [_("请选择本县区的核查人员。")]}, code="inspectors_required")
    if row.inspection is None or row.inspection.status == InspectionStatus.CANCELLED:
        row.inspection = _raise_inspection(actor, row)
    elif _checked_before_dispute(row):
        row.inspection = _raise_inspection(actor, row, kind=InspectionKind.RECHECK)
    row.inspectors.set(people)
    inspection = Inspection.objects.select_for_update().get(pk=row.inspection.pk)
    inspection.inspectors.add(*people)
    if inspection.lead_inspector_id is None:
        inspection.lead_inspector = people[0]
        inspection.save(update_fields=["lead_inspector"])
    return _move(row, actor, "dispatch", _("已指派执法人员现场核查。"), inspectors=[u.pk for u in people])


def _checked_before_dispute(row: Report) -> bool:
    """The linked inspection was done before the reporter disputed the answer: the reopened report needs another."""
    insp = row.inspection
    return bool(
        row.disputed_at and insp is not None and insp.completed_at is not None and insp.completed_at < row.disputed_at
    )


def check_done(row: Report) -> bool:
    """The report was checked: its inspection is done (after any dispute), or a reason why none was possible."""
    done = row.inspection is not None and row.inspection.status == InspectionStatus.DONE
    return (done and not _checked_before_dispute(row)) or bool(row.no_check_reason.strip())


@transaction.atomic
def report_check(*, actor: User | None, report: Report, no_check_reason: str = "") -> Report:
    row = _locked(report, actor, "check")
    reason = (no_check_reason or "").strip()
    if reason:
        row.no_check_reason = reason[:2000]
    if not check_done(row):
        raise ValidationError(
            {"no_check_reason": [_("核查检查尚未完成：请先完成检查，或填写无法检查的理由。")]}, code="check_missing"
        )
    row.checked_at = timezone.now()
    note = _("已完成现场核查。") if not reason else _("未能现场检查：%(r)s") % {"r": row.no_check_reason}
    return _move(row, actor, "check", note)


@transaction.atomic
def report_answer(*, actor: User, report: Report, answer: str) -> Report:
    row = _locked(report, actor, "answer")
    text = (answer or "").strip()
    if not text:
        raise ValidationError({"answer": [_("请填写答复内容。")]}, code="answer_required")
    row.answer = text[:5000]
    row.answered_at = timezone.now()
    row.due_on = None
    return _move(row, actor, "answer", _("已答复举报人。"))


@transaction.atomic
def report_close(*, actor: User, report: Report) -> Report:
    row = _locked(report, actor, "close")
    if not check_done(row):
        raise ValidationError(_("每件举报必须核查：没有已完成的检查或无法检查的理由，不能办结。"), code="check_missing")
    row.closed_at = timezone.now()
    return _move(row, actor, "close", _("举报已办结。"))


@transaction.atomic
def report_merge(*, actor: User, report: Report, primary: Report) -> Report:
    """A duplicate follows the primary report; its reporter reads the primary's progress on their own page."""
    row = _locked(report, actor, "merge")
    main = Report.objects.select_for_update().get(pk=primary.pk)
    require(actor, "complaints.handle_report", main)
    if main.pk == row.pk or main.status in (S.REFUSED, S.MERGED) or main.merged_into_id:
        raise ValidationError({"primary": [_("只能合并到另一件未合并、未被拒绝的举报。")]}, code="invalid_primary")
    row.merged_into = main
    row.due_on = None
    note = _("与同一事项的举报 %(code)s 合并办理，进展见下方。") % {"code": main.display_code}
    return _move(row, actor, "merge", note, primary=main.code)


def duplicates_for(report: Report) -> QuerySet[Report]:
    """Possible duplicates: same registered institution, same category, within the window (setting, days)."""
    if report.institution_id is None:
        return Report.objects.none()
    days = int(getattr(settings, "COMPLAINTS_DUPLICATE_WINDOW_DAYS", 30))
    window = datetime.timedelta(days=days)
    return (
        Report.objects.filter(
            institution_id=report.institution_id,
            category=report.category,
            received_at__gte=report.received_at - window,
            received_at__lte=report.received_at + window,
            merged_into__isnull=True,
        )
        .exclude(pk=report.pk)
        .exclude(status__in=(S.REFUSED, S.MERGED))
    )


# --- the reporter (by tracking code) ------------------------------------------------------------------------------


@transaction.atomic
def report_rate(*, report: Report, rating: int, comment: str = "") -> Report:
    row = Report.objects.select_for_update().get(pk=report.pk)
    transition_for("rate", row.status)
    if row.rating is not None:
        raise ValidationError(_("已经评价过了。"), code="already_rated")
    if rating not in range(1, 6):
        raise ValidationError({"rating": [_("请选择 1 到 5 分。")]}, code="invalid_rating")
    row.rating = rating
    row.rating_comment = (comment or "").replace("\x00", "").strip()[:500]
    return _move(row, None, "rate", _("举报人评价：%(n)d 分。") % {"n": rating}, rating=rating)


@transaction.atomic
def report_dispute(*, report: Report, reason: str) -> Report:
    """Once per report: reopens it at the city level, back at assignment, with a fresh answer deadline."""
    row = Report.objects.select_for_update().get(pk=report.pk)
    transition_for("dispute", row.status)
    if row.disputed_at is not None:
        raise ValidationError(_("每件举报只能提出一次异议。"), code="already_disputed")
    text = (reason or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"reason": [_("请说明异议理由。")]}, code="reason_required")
    today = _today()
    row.dispute_reason = text[:2000]
    row.disputed_at = timezone.now()
    row.level = Level.CITY
    row.closed_at = None
    row.checked_at = None
    if row.inspection_id is not None:
        row.no_check_reason = ""  # the recheck's outcome (or a new reason) decides
    row.answer_due_on = rules.answer_due(today, deadlines(), add_working_days)
    row.due_on = row.answer_due_on
    return _move(row, None, "dispute", _("举报人提出异议，已转市级重新办理。"), level=row.level)


# --- nightly ------------------------------------------------------------------------------------------------------


def reports_escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Overdue reports still at county level go one level up (the city); each escalation is recorded."""
    day = today or _today()
    count = 0
    waiting = Report.objects.filter(
        status__in=[s for s in OPEN_STATES if s != S.ANSWERED], level=Level.COUNTY, due_on__lt=day
    ).values_list("pk", flat=True)
    for pk in list(waiting):
        with transaction.atomic():
            row = Report.objects.select_for_update().get(pk=pk)
            if row.level != Level.COUNTY or not rules.is_overdue(row.due_on, day):
                continue
            row.level = Level.CITY
            row.escalated_at = timezone.now()
            row.save(update_fields=["level", "escalated_at", "updated_at"])
            _event(row, "escalate", None, _("办理逾期，已提级至市级督办。"))
            audit_record(actor=None, action="report.escalate", obj=row, after={"level": row.level})
            count += 1
    return count


def reports_check_done_sync() -> int:
    """Reports waiting for their inspection move to checked once it is done."""
    count = 0
    for report in Report.objects.filter(status=S.DISPATCHED, inspection__status=InspectionStatus.DONE):
        report_check(actor=None, report=report)
        count += 1
    return count


def reports_checked_by_inspection(*, actor: User, inspection: Inspection) -> object:
    """A finished inspection checks the reports that were waiting for it, in the same transaction (the nightly
    ``reports_check_done_sync`` remains as a safety net)."""
    for report in Report.objects.filter(status=S.DISPATCHED, inspection=inspection):
        report_check(actor=None, report=report)
    return None


def reports_without_check() -> QuerySet[Report]:
    """Accepted reports with neither an inspection nor a recorded reason (凡举报必检查): must be none."""
    accepted = Report.objects.exclude(status__in=(S.NEW, S.REFUSED, S.MERGED))
    return accepted.filter(inspection__isnull=True, no_check_reason="")


# --- the public statistics, computed in the background -----------------------------------------------------------

PUBLIC_STATISTICS_PK = 1


def public_statistics_seconds() -> int:
    """How old the public statistics may grow: beat recomputes them this often, and a visit finding them older asks
    for a recomputation (setting COMPLAINTS_PUBLIC_STATS_SECONDS, default 600)."""
    return max(60, int(getattr(settings, "COMPLAINTS_PUBLIC_STATS_SECONDS", 600)))


def public_statistics_refresh() -> PublicStatistics:
    """Compute the public report statistics (every report, inspection and case: the staff figures of the whole
    platform, ``stats.report_stats``) and keep them as the page's one row, stamped with the time reading began."""
    started = timezone.now()
    figures = stats.report_stats(Report.objects.all(), Inspection.objects.all(), PenaltyCase.objects.all())
    data = figures.as_data()
    # A slower computation that began earlier never overwrites a newer one.
    updated = PublicStatistics.objects.filter(pk=PUBLIC_STATISTICS_PK, computed_at__lte=started).update(
        computed_at=started, data=data
    )
    if not updated:
        try:
            with transaction.atomic():
                PublicStatistics.objects.create(pk=PUBLIC_STATISTICS_PK, computed_at=started, data=data)
        except IntegrityError:  # a newer row is there already
            pass
    return PublicStatistics.objects.get(pk=PUBLIC_STATISTICS_PK)
