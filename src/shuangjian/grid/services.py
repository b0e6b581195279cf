"""Writes of the grid app: assignments, the daily report (one per officer, cell and day), a finding turned into
an inspection lead or a public-report case, and the chase of missing reports. Each write is atomic and audited."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import IntegerField
from django.db.models.functions import Cast, ExtractHour, TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.complaints import services as complaints_services
from shuangjian.complaints.hooks import source_ref_for
from shuangjian.complaints.models import Category, Channel
from shuangjian.core import calendar
from shuangjian.core.audit import audit_record
from shuangjian.core.models import GridAssignment, GridCell, Role, User
from shuangjian.core.permissions import require
from shuangjian.core.photos import Photo, photo_copy
from shuangjian.core.scope import code_in_scope, grid_cells_of
from shuangjian.enforcement.models import InspectionKind, InspectionSource, InspectionStatus
from shuangjian.enforcement.services import inspection_lead_create, unlicensed_operation_record
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry.models import Institution

from . import rules
from .models import Finding, FindingKind, GridReport, Reminder, Sighting, SightingKind


def cell_codes(cell: GridCell) -> dict[str, str]:
    """The county, township and cell codes a row of this cell carries."""
    return {"division_code": cell.township_id[:6], "township_code": cell.township_id, "grid_code": cell.code}


# --- assignments ---------------------------------------------------------------------------------------------------


@transaction.atomic
def grid_assignment_create(
    *, actor: User | None, officer: User, cell: GridCell, start: datetime.date, end: datetime.date | None = None
) -> GridAssignment:
    """Assign a grid officer to a cell from ``start`` (to ``end``); ``actor`` None is the demo or a command."""
    if actor is not None and not (
        actor.is_platform_admin or (actor.role == Role.REGULATOR and code_in_scope(actor, cell.code))
    ):
        raise ValidationError(_("只有本辖区的监管人员可以分配网格员。"), code="not_allowed")
    if officer.role != Role.GRID_OFFICER:
        raise ValidationError({"officer": [_("只能分配网格员。")]}, code="not_grid_officer")
    if end is not None and end < start:
        raise ValidationError({"end": [_("结束日期不能早于起始日期。")]}, code="end_before_start")
    assignment = GridAssignment.objects.create(officer=officer, cell=cell, start=start, end=end)
    audit_record(
        actor=actor,
        action="grid_assignment.create",
        obj=assignment,
        division_code=cell.township_id[:6],
        after={"officer": officer.username, "cell": cell.code, "start": start.isoformat()},
    )
    return assignment


@transaction.atomic
def grid_assignment_end(*, actor: User, assignment: GridAssignment, end: datetime.date) -> GridAssignment:
    """The officer leaves the cell after ``end`` (reports are expected up to and including it)."""
    assignment = GridAssignment.objects.select_for_update(of=("self",)).select_related("cell").get(pk=assignment.pk)
    if not (actor.is_platform_admin or (actor.role == Role.REGULATOR and code_in_scope(actor, assignment.cell_id))):
        raise ValidationError(_("只有本辖区的监管人员可以调整网格员。"), code="not_allowed")
    if end < assignment.start:
        raise ValidationError({"end": [_("结束日期不能早于起始日期。")]}, code="end_before_start")
    before = {"end": assignment.end.isoformat() if assignment.end else None}
    assignment.end = end
    assignment.save(update_fields=["end"])
    audit_record(
        actor=actor,
        action="grid_assignment.end",
        obj=assignment,
        division_code=assignment.cell_id[:6],
        before=before,
        after={"end": end.isoformat()},
    )
    return assignment


# --- the daily report ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingInput:
    kind: str
    institution_id: int | None = None
    name: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    description: str = ""
    photo: Photo | None = None


@dataclass(frozen=True)
class ReportInput:
    is_zero: bool = False
    places_patrolled: str = ""
    ads_seen: str = ""
    note: str = ""
    # institution id → SightingKind
    sightings: dict[int, str] = field(default_factory=dict)
    findings: tuple[FindingInput, ...] = ()


@dataclass(frozen=True)
class Submitted:
    report: GridReport
    created: bool  # False: the report of that day was already filed; nothing changed


def _check_finding(f: FindingInput, cell_institutions: dict[int, Institution]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if f.kind not in FindingKind.values:
        errors["kind"] = [_("未知的发现类型。")]
    elif f.kind == FindingKind.UNLICENSED:
        if not f.name.strip() and not f.description.strip():
            errors["name"] = [_("请填写名称、招牌或情况说明。")]
        if not f.address.strip():
            errors["address"] = [_("请填写地址。")]
    elif f.kind == FindingKind.AGAINST_ORDER and f.institution_id is None:
        errors["institution"] = [_("请选择违反责令仍在经营的机构。")]
    elif f.kind == FindingKind.AD and f.institution_id is None and not (f.name.strip() or f.description.strip()):
        errors["name"] = [_("请填写广告、招牌内容或所属机构。")]
    if f.institution_id is not None and f.institution_id not in cell_institutions:
        errors["institution"] = [_("所选机构不在本网格。")]
    if (f.latitude is None) != (f.longitude is None):
        errors["latitude"] = [_("请同时填写经度和纬度。")]
    return errors


@transaction.atomic
def grid_report_submit(*, actor: User, cell: GridCell, day: datetime.date, data: ReportInput) -> Submitted:
    """File the officer's report of ``cell`` for ``day``. Filing again for the same day changes nothing and
    answers the report already filed (a double tap, a retry over a weak connection)."""
    require(actor, "grid.file_report")
    if cell.code not in grid_cells_of(actor, day):
        raise ValidationError(_("该日您未负责此网格。"), code="not_assigned")
    if day > timezone.localdate():
        raise ValidationError({"day": [_("不能提交未来日期的日报。")]}, code="future_day")
    existing = GridReport.objects.filter(officer=actor, cell=cell, day=day).first()
    if existing is not None:
        return Submitted(existing, False)
    cell_institutions = {i.pk: i for i in Institution.objects.filter(grid_code=cell.code)}
    errors: dict[str, list[str]] = {}
    for inst_id, kind in data.sightings.items():
        if inst_id not in cell_institutions:
            errors.setdefault("sightings", []).append(_("所选机构不在本网格。"))
        if kind not in SightingKind.values:
            errors.setdefault("sightings", []).append(_("未知的巡查情况。"))
    for f in data.findings:
        for name, messages in _check_finding(f, cell_institutions).items():
            errors.setdefault(name, []).extend(messages)
    if data.is_zero and (data.sightings or data.findings):
        errors.setdefault("is_zero", []).append(_("“今日无异常”的日报不能附带发现。"))
    if errors:
        raise ValidationError(errors)
    codes = cell_codes(cell)
    try:
        with transaction.atomic():
            report = GridReport.objects.create(
                officer=actor,
                cell=cell,
                day=day,
                is_zero=data.is_zero,
                places_patrolled=data.places_patrolled.strip(),
                ads_seen=data.ads_seen.strip(),
                note=data.note.strip(),
                submitted_at=timezone.now(),
                **codes,
            )
    except IntegrityError:
        # Another request filed the same report a moment ago: answer it, as for a repeat.
        return Submitted(GridReport.objects.get(officer=actor, cell=cell, day=day), False)
    Sighting.objects.bulk_create(
        Sighting(report=report, institution_id=inst_id, kind=kind) for inst_id, kind in data.sightings.items()
    )
    for f in data.findings:
        finding = Finding(
            report=report,
            kind=f.kind,
            institution_id=f.institution_id,
            name=f.name.strip(),
            address=f.address.strip(),
            latitude=f.latitude,
            longitude=f.longitude,
            description=f.description.strip(),
            **codes,
        )
        if f.photo is not None:
            _set_photo(finding, f.photo)
        finding.save()
    Reminder.objects.filter(officer=actor, cell=cell, day=day, resolved_at__isnull=True).update(
        resolved_at=report.submitted_at
    )
    audit_record(
        actor=actor,
        action="grid_report.submit",
        obj=report,
        division_code=codes["division_code"],
        after={
            "cell": cell.code,
            "day": day.isoformat(),
            "zero": data.is_zero,
            "sightings": len(data.sightings),
            "findings": len(data.findings),
        },
    )
    return Submitted(report, True)


def _set_photo(finding: Finding, photo: Photo) -> None:
    """The display copy on the finding, the original's evidence (hash, format, size, time taken) beside it; the
    photo's GPS point fills in a location the officer did not type."""
    finding.photo_sha256 = photo.original_sha256
    finding.photo_taken_at = (
        timezone.make_aware(photo.taken_at)
        if photo.taken_at is not None and timezone.is_naive(photo.taken_at)
        else photo.taken_at
    )
    finding.photo_format = photo.original_format
    finding.photo_bytes = photo.original_bytes
    if finding.latitude is None and photo.latitude is not None:
        finding.latitude, finding.longitude = photo.latitude, photo.longitude
    finding.photo.save(f"{photo.original_sha256[:16]}.jpg", ContentFile(photo.display), save=False)


@transaction.atomic
def grid_finding_photo_attach(*, actor: User, finding: Finding, photo: Photo) -> Finding:
    """Attach the photo of a finding filed without one (an app files the report first, then uploads the photo).

    Evidence is set once: a finding that has a photo keeps it (refused, nothing changed), so a lead or a case raised
    from it never sees its photo replaced."""
    require(actor, "grid.attach_photo", finding)
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.photo:
        raise ValidationError({"photo": [_("该发现已有现场照片，不能替换。")]}, code="photo_exists")
    _set_photo(locked, photo)
    locked.save(
        update_fields=[
            "photo",
            "photo_sha256",
            "photo_taken_at",
            "photo_format",
            "photo_bytes",
            "latitude",
            "longitude",
        ]
    )
    audit_record(
        actor=actor,
        action="grid_finding.photo",
        obj=locked,
        division_code=locked.division_code,
        after={"photo_sha256": locked.photo_sha256, "photo_bytes": locked.photo_bytes},
    )
    return locked


def grid_report_zero(*, actor: User, cell: GridCell, day: datetime.date | None = None) -> Submitted:
    """ "今日无异常": the one-tap report."""
    return grid_report_submit(actor=actor, cell=cell, day=day or timezone.localdate(), data=ReportInput(is_zero=True))


# --- a finding becomes an inspection lead --------------------------------------------------------------------------


@transaction.atomic
def grid_finding_to_lead(*, actor: User, finding: Finding) -> Finding:
    """Raise an inspection lead (线索) from a finding, once: the finding points at the inspection and the
    inspection names the report (source grid, source_ref the report's id). An unlicensed operation is
    recorded first, so the inspection has a subject."""
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("report", "institution", "public_report__inspection")
        .get(pk=finding.pk)
    )
    require(actor, "grid.raise_lead", finding)
    if finding.inspection_id is not None:
        return finding
    report_check = finding.public_report.inspection if finding.public_report is not None else None
    if report_check is not None and report_check.status != InspectionStatus.CANCELLED:
        # The report case raised from this finding was accepted first: its inspection is the lead (one check).
        finding.inspection = report_check
        finding.save(update_fields=["inspection"])
        audit_record(
            actor=actor,
            action="grid_finding.lead",
            obj=finding,
            division_code=finding.division_code,
            after={"inspection": report_check.pk, "report": finding.report_id, "via": "public_report"},
        )
        return finding
    if finding.institution is not None:
        subject = Subject.of_institution(finding.institution)
    else:
        if finding.unlicensed is None:
            finding.unlicensed = unlicensed_operation_record(
                actor=actor,
                name=finding.name or finding.description[:60] or _("无名培训点"),
                address=finding.address or _("（未填写地址）"),
                division_code=finding.division_code,
                township_code=finding.township_code,
                grid_code=finding.grid_code,
                latitude=finding.latitude,
                longitude=finding.longitude,
                description=finding.description,
            )
        subject = Subject.of_unlicensed(finding.unlicensed)
    finding.inspection = inspection_lead_create(
        actor=actor,
        subject=subject,
        kind=InspectionKind.REPORT,
        source=InspectionSource.GRID,
        source_ref=str(finding.report_id),
        note=_("网格巡查发现：%(kind)s。%(text)s")
        % {"kind": finding.get_kind_display(), "text": finding.description or finding.address},
    )
    finding.save(update_fields=["inspection", "unlicensed"])
    audit_record(
        actor=actor,
        action="grid_finding.lead",
        obj=finding,
        division_code=finding.division_code,
        after={"inspection": finding.inspection.pk, "report": finding.report_id},
    )
    return finding


# --- a finding becomes a public-report case ------------------------------------------------------------------------

# The report category a finding of each kind is filed under (the handler may change it when triaging).
REPORT_CATEGORY = {
    FindingKind.UNLICENSED: Category.UNLICENSED,
    FindingKind.AD: Category.ADS,
    FindingKind.AGAINST_ORDER: Category.OTHER,
}
FINDING_SOURCE = "grid.finding"
_REPORT_TEXT_MAX = 4000


def _finding_photos(finding: Finding) -> list[Photo]:
    """The finding's photo for the report: checked again by content (core/photos.py), the original's evidence
    carried over. A stored file that is missing or not a sound image refuses the whole conversion."""
    if not finding.photo:
        return []
    try:
        with finding.photo.open("rb") as stored:
            data = stored.read()
    except OSError:
        raise ValidationError(
            {"photos": [_("现场照片文件已丢失，无法转为举报，请联系管理员。")]}, code="photo_missing"
        ) from None
    buffer = io.BytesIO(data)
    buffer.name = _("现场照片")
    try:
        photo = photo_copy(
            buffer,
            original_sha256=finding.photo_sha256,
            original_format=finding.photo_format,
            original_bytes=finding.photo_bytes,
            taken_at=finding.photo_taken_at,
        )
    except ValidationError as exc:
        raise ValidationError({"photos": list(exc.messages)}, code="photo_invalid") from exc
    return [photo]


def _report_input(finding: Finding) -> complaints_services.ReportInput:
    cell = finding.report.cell
    institution = finding.institution
    address = finding.address or (institution.address if institution is not None else "")
    if not address:
        address = f"{cell.township.name}{cell.name}"
    kind = finding.get_kind_display()
    text = finding.description.strip() or finding.name or kind
    description = _("网格巡查发现（%(kind)s）：%(text)s") % {"kind": kind, "text": text}
    return complaints_services.ReportInput(
        category=REPORT_CATEGORY.get(FindingKind(finding.kind), Category.OTHER),
        description=description[:_REPORT_TEXT_MAX],
        address=address[:255],
        division_code=finding.division_code,
        institution=institution,
        institution_name="" if institution is not None else finding.name[:128],
        channel=Channel.GRID,
        latitude=finding.latitude,
        longitude=finding.longitude,
    )


@transaction.atomic
def grid_finding_to_report(*, actor: User, finding: Finding) -> Finding:
    """Turn a finding into a public-report case (channel 网格员上报), once: a second call answers the case already
    made. The reporter is the officer who filed the finding; its photo is copied through the photo checks; the
    report names the finding (``source_ref``) and the finding the report. An inspection lead already raised from
    the finding becomes the report's check when it is accepted."""
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("report__officer", "report__cell__township", "institution", "inspection")
        .get(pk=finding.pk)
    )
    require(actor, "grid.report_finding", finding)
    if finding.public_report_id is not None:
        return finding
    lead = (
        finding.inspection if finding.inspection and finding.inspection.status != InspectionStatus.CANCELLED else None
    )
    report, created = complaints_services.report_record_from_source(
        actor=actor,
        data=_report_input(finding),
        reporter=finding.report.officer,
        source_ref=source_ref_for(FINDING_SOURCE, finding.pk),
        photos=_finding_photos(finding),
        inspection=lead,
    )
    finding.public_report = report
    finding.save(update_fields=["public_report"])
    audit_record(
        actor=actor,
        action="grid_finding.report",
        obj=finding,
        division_code=finding.division_code,
        after={"report": report.code, "created": created, "grid_report": finding.report_id},
    )
    return finding


# --- chasing missing reports ---------------------------------------------------------------------------------------


def duties_covering(
    first: datetime.date, last: datetime.date, prefix: str = "", officer_id: int | None = None
) -> list[rules.Duty]:
    """Every assignment overlapping [first, last] in cells under ``prefix`` (of one officer), as rule inputs."""
    qs = GridAssignment.objects.filter(start__lte=last).exclude(end__lt=first)
    if prefix:
        qs = qs.filter(cell__code__startswith=prefix)
    if officer_id is not None:
        qs = qs.filter(officer_id=officer_id)
    return [
        rules.Duty(officer_id, cell, township, township[:6], start, end)
        for officer_id, cell, township, start, end in qs.values_list(
            "officer_id", "cell_id", "cell__township_id", "start", "end"
        )
    ]


def submitted_map(
    first: datetime.date, last: datetime.date, prefix: str = ""
) -> dict[tuple[int, str, datetime.date], datetime.datetime]:
    """(officer, cell, day) → local submission time of every report filed for a day in [first, last]."""
    qs = GridReport.objects.filter(day__gte=first, day__lte=last)
    if prefix:
        qs = qs.filter(grid_code__startswith=prefix)
    tz = timezone.get_current_timezone()  # once: ``localtime()`` per row looks it up again (a province's month)
    return {
        (officer_id, cell, day): at.astimezone(tz)
        for officer_id, cell, day, at in qs.order_by().values_list("officer_id", "cell_id", "day", "submitted_at")
    }


def filed_between(first: datetime.date, last: datetime.date, prefix: str = "") -> rules.Filed:
    """(officer, cell) → the days reported and those on time, for every report filed for a day in [first, last]
    (``submitted_map``'s reports). The database hands over each submission's local date and hour rather than the
    timestamp: parsing ~35 000 timestamps of a province's month cost more than all the counting (psycopg's
    time-zone loader is Python); ``rules.is_on_time_local`` decides, as ``rules.is_on_time`` does."""
    qs = GridReport.objects.filter(day__gte=first, day__lte=last).order_by()
    if prefix:
        qs = qs.filter(grid_code__startswith=prefix)
    tz = timezone.get_current_timezone()
    cutoff = settings.GRID_REPORT_CUTOFF_HOUR
    if connection.vendor == "postgresql":
        # One row per officer and cell, its days and local submission times (truncated to the hour: one time-zone
        # conversion per report) in arrays: ~1 300 rows for a province's month instead of ~35 000 through the
        # ORM's per-row converters (~45 → ~20 ms). The local times come as naive datetimes (psycopg's C loader).
        grouped = (
            qs.values("officer_id", "cell_id")
            .annotate(_days=ArrayAgg("day"), _at=ArrayAgg(TruncHour("submitted_at", tzinfo=tz)))
            .values_list("officer_id", "cell_id", "_days", "_at")
        )
        return {
            (officer_id, cell): rules.reported(
                ((day, at.date(), at.hour) for day, at in zip(days, ats, strict=True)), cutoff
            )
            for officer_id, cell, days, ats in grouped
        }
    rows: dict[tuple[int, str], list[tuple[datetime.date, datetime.date, int]]] = defaultdict(list)
    local = qs.annotate(
        _on=TruncDate("submitted_at", tzinfo=tz),
        _hour=Cast(ExtractHour("submitted_at", tzinfo=tz), IntegerField()),  # an int whatever the backend
    )
    for officer_id, cell, day, on, hour in local.values_list("officer_id", "cell_id", "day", "_on", "_hour"):
        rows[(officer_id, cell)].append((day, on, hour))
    return {key: rules.reported(filed, cutoff) for key, filed in rows.items()}


def held_between(
    first: datetime.date, last: datetime.date, prefix: str = "", officer_id: int | None = None
) -> list[rules.Held]:
    """The days each officer owes each cell under ``prefix`` a report in [first, last] (``rules.expected_held``)."""
    return rules.expected_held(
        duties_covering(first, last, prefix, officer_id),
        first,
        last,
        is_working_day=calendar.is_working_day,
        rest_day_cells=frozenset(settings.GRID_REST_DAY_CELLS),
    )


def expected_between(
    first: datetime.date, last: datetime.date, prefix: str = "", officer_id: int | None = None
) -> list[rules.Slot]:
    return rules.slots_of(held_between(first, last, prefix, officer_id))


@transaction.atomic
def grid_reminders_send(*, day: datetime.date | None = None) -> int:
    """At the reminder hour: a reminder to every officer whose expected report of ``day`` is missing. Running
    twice sends nothing new. Township and county see the same gaps on the rates page."""
    day = day or timezone.localdate()
    missing = rules.gaps(expected_between(day, day), submitted_map(day, day))
    created = 0
    for slot in missing:
        _reminder, new = Reminder.objects.get_or_create(
            officer_id=slot.officer_id,
            cell_id=slot.cell,
            day=slot.day,
            defaults={"division_code": slot.county, "township_code": slot.township, "grid_code": slot.cell},
        )
        created += int(new)
    if created:
        audit_record(
            actor=None,
            action="grid_reminder.send",
            object_type="grid.reminder",
            object_id=day.isoformat(),
            after={"day": day.isoformat(), "reminders": created},
        )
    return created
