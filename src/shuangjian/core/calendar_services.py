"""Writes to the holiday calendar and the school vacation table: validated, audited, and announced to every
process's cache in ``shuangjian.core.calendar``."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import calendar
from .audit import audit_record
from .models import CalendarDay, DayKind, SchoolVacation, User, VacationKind

_DIVISION_CODE = re.compile(r"\d{2,12}")


def _announce_change() -> None:
    # Now, so this process (and a test inside one transaction) sees the change; again after commit, so a process
    # that re-read the tables between the two sees the committed rows.
    calendar.bump_version()
    transaction.on_commit(calendar.bump_version)


@transaction.atomic
def calendar_day_set(*, actor: User | None, date: datetime.date, kind: str, name: str = "") -> CalendarDay:
    """Enter or change the holiday / make-up workday on ``date``; it overrides the national calendar library."""
    if kind not in DayKind.values:
        raise ValidationError(_("日期类型无效。"), code="calendar_kind")
    name = (name or "").strip()
    if len(name) > CalendarDay._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError(_("名称过长。"), code="calendar_name")
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = {"kind": day.kind, "name": day.name} if day else None
    if day is not None and before == {"kind": kind, "name": name}:
        return day  # unchanged: nothing to write or audit
    if day is None:
        day = CalendarDay.objects.create(date=date, kind=kind, name=name)
    else:
        day.kind, day.name = kind, name
        day.save(update_fields=["kind", "name"])
    audit_record(
        actor=actor,
        action="calendar.day_set",
        obj=day,
        object_id=date.isoformat(),
        before=before,
        after={"kind": kind, "name": name},
    )
    _announce_change()
    return day


@transaction.atomic
def calendar_day_delete(*, actor: User | None, date: datetime.date) -> None:
    """Remove an administrator's entry; the date falls back to the national calendar library (or weekends)."""
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        return
    before = {"kind": day.kind, "name": day.name}
    day.delete()
    audit_record(
        actor=actor,
        action="calendar.day_delete",
        object_type="core.calendarday",
        object_id=date.isoformat(),
        before=before,
    )
    _announce_change()


def _vacation_after(vacation: SchoolVacation) -> dict[str, str]:
    return {
        "division_code": vacation.division_code,
        "kind": vacation.kind,
        "start": vacation.start.isoformat(),
        "end": vacation.end.isoformat(),
        "note": vacation.note,
    }


def _vacation_existing(
    *,
    division_code: str,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    note: str,
    vacation_id: int | None,
    lock: bool,
) -> SchoolVacation | None:
    """Check a vacation entry; return the row it replaces (if any). Raises ``ValidationError``."""
    if not _DIVISION_CODE.fullmatch(division_code):
        raise ValidationError(_("区划代码应为2至12位数字。"), code="vacation_division")
    if kind not in VacationKind.values:
        raise ValidationError(_("假期类型无效。"), code="vacation_kind")
    if end < start:
        raise ValidationError(_("结束日期不能早于开始日期。"), code="vacation_dates")
    if len(note) > SchoolVacation._meta.get_field("note").max_length:  # type: ignore[operator]
        raise ValidationError(_("备注过长。"), code="vacation_note")
    season = calendar.vacation_season(SchoolVacation(kind=kind, start=start, end=end))
    qs = SchoolVacation.objects.filter(division_code=division_code).order_by("start")
    rows = list(qs.select_for_update() if lock else qs)
    existing: SchoolVacation | None
    if vacation_id is not None:
        existing = next((v for v in rows if v.pk == vacation_id), None)
        if existing is None:
            raise ValidationError(_("要修改的假期不存在。"), code="vacation_missing")
    else:
        existing = next((v for v in rows if v.kind == kind and calendar.vacation_season(v) == season), None)
    for other in rows:
        if other is not existing and other.start <= end and start <= other.end:
            raise ValidationError(
                _("与本区划已录入的%(other)s（%(start)s至%(end)s）重叠。"),
                code="vacation_overlap",
                params={"other": other.get_kind_display(), "start": other.start, "end": other.end},
            )
    return existing


def school_vacation_validate(
    *,
    division_code: str,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    note: str = "",
    vacation_id: int | None = None,
) -> None:
    """The checks ``school_vacation_set`` makes, for forms that want to show them before saving."""
    _vacation_existing(
        division_code=(division_code or "").strip(),
        kind=kind,
        start=start,
        end=end,
        note=(note or "").strip(),
        vacation_id=vacation_id,
        lock=False,
    )


@transaction.atomic
def school_vacation_set(
    *,
    actor: User | None,
    division_code: str,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    note: str = "",
    vacation_id: int | None = None,
) -> SchoolVacation:
    """Enter or correct a division's winter or summer vacation (both dates inclusive).

    With ``vacation_id`` that row is changed. Otherwise the division's entry for the same vacation (same kind,
    same year of its middle day) is replaced if there is one, so re-entering corrected dates never leaves two
    winter vacations for one winter. Overlapping another vacation of the same division is refused
    (``ValidationError`` codes ``vacation_division``, ``vacation_kind``, ``vacation_dates``, ``vacation_note``,
    ``vacation_missing``, ``vacation_overlap``).
    """
    division_code = (division_code or "").strip()
    note = (note or "").strip()
    existing = _vacation_existing(
        division_code=division_code,
        kind=kind,
        start=start,
        end=end,
        note=note,
        vacation_id=vacation_id,
        lock=True,
    )
    before = _vacation_after(existing) if existing else None
    if existing is not None and before == {
        "division_code": division_code,
        "kind": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "note": note,
    }:
        return existing  # unchanged (e.g. the demo run again): nothing to write or audit
    if existing is None:
        vacation = SchoolVacation.objects.create(
            division_code=division_code, kind=kind, start=start, end=end, note=note
        )
    else:
        vacation = existing
        vacation.kind, vacation.start, vacation.end, vacation.note = kind, start, end, note
        vacation.save(update_fields=["kind", "start", "end", "note"])
    audit_record(
        actor=actor,
        action="calendar.vacation_set",
        obj=vacation,
        before=before,
        after=_vacation_after(vacation),
    )
    _announce_change()
    return vacation


@transaction.atomic
def school_vacation_delete(*, actor: User | None, vacation_id: int) -> None:
    """Remove a vacation entry; the division falls back to its parent's entry for that vacation, if any."""
    vacation = SchoolVacation.objects.select_for_update().filter(pk=vacation_id).first()
    if vacation is None:
        return
    before = _vacation_after(vacation)
    division_code = vacation.division_code
    vacation.delete()
    audit_record(
        actor=actor,
        action="calendar.vacation_delete",
        object_type="core.schoolvacation",
        object_id=vacation_id,
        division_code=division_code,
        before=before,
    )
    _announce_change()
