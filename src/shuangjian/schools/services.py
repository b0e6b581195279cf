"""Writes of the schools app: the in-service teacher roster upload and its cross-check against employments.

``roster_upload`` validates every row of the Excel file (姓名, 身份证号); if any row is bad nothing is imported
and every problem is reported by row and column. Otherwise the roster becomes the school's current one and every
current employment of a rostered teacher is flagged for the regulator, in the same transaction, by the callback the
staff app registers in ``schools.hooks``.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shuangjian.core.audit import audit_record
from shuangjian.core.excel import FileProblem, RowError, first_sheet, open_workbook, sheet_rows
from shuangjian.core.locks import lock_resident_ids
from shuangjian.core.models import User
from shuangjian.core.permissions import require
from shuangjian.core.validators import validate_resident_id

from .hooks import roster_callbacks
from .models import InServiceRoster, RosterEntry, School

MAX_ROSTER_ROWS = 20_000  # a large school district's teachers fit; bigger files are not a single school's roster


def roster_headers() -> tuple[str, str]:
    return (_("姓名"), _("身份证号"))


def roster_template() -> IO[bytes]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("在职教师名单")
    ws.append(list(roster_headers()))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 24
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


class RosterRowsInvalid(ValidationError):
    """Some rows are bad: nothing was imported; ``.errors`` lists every problem by row and column."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(
            [_("第 %(row)d 行“%(col)s”：%(msg)s") % {"row": e.row, "col": e.column, "msg": e.message} for e in errors],
            code="roster_rows_invalid",
        )


@dataclass
class RosterResult:
    roster: InServiceRoster
    flagged: list[Any] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_roster(stream: IO[bytes], size: int | None = None) -> list[tuple[str, str]]:
    """(name, resident ID) per data row; raises ``FileProblem`` for the file or ``RosterRowsInvalid`` for rows."""
    wb = open_workbook(stream, size)
    ws = first_sheet(wb)
    rows = sheet_rows(ws)
    header = next(rows, None) or ()
    keys = ["".join(_text(v).split()).strip("*＊") for v in header]
    name_h, id_h = roster_headers()
    if name_h not in keys or id_h not in keys:
        raise FileProblem(
            _("表头应包含“姓名”和“身份证号”两列，请使用下载的模板填写。"),
            code="bad_headers",
        )
    i_name, i_id = keys.index(name_h), keys.index(id_h)
    errors: list[RowError] = []
    parsed: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        cells = list(row or ())
        name = _text(cells[i_name]) if i_name < len(cells) else ""
        rid = _text(cells[i_id]) if i_id < len(cells) else ""
        if not name and not rid:
            continue
        if len(parsed) + len(errors) >= MAX_ROSTER_ROWS:
            raise FileProblem(_("名单超过 %(n)d 行，请按学校分别上传。") % {"n": MAX_ROSTER_ROWS}, code="too_many")
        ok = True
        if not name:
            errors.append(RowError(n, name_h, _("姓名不能为空。")))
            ok = False
        elif len(name) > 64 or any(ord(c) < 32 for c in name):
            errors.append(RowError(n, name_h, _("姓名过长或含有不允许的字符。")))
            ok = False
        try:
            rid = validate_resident_id(rid)
        except ValidationError as exc:
            errors.append(RowError(n, id_h, str(exc.messages[0])))
            ok = False
        else:
            if rid in seen:
                errors.append(RowError(n, id_h, _("与第 %(row)d 行重复。") % {"row": seen[rid]}))
                ok = False
            seen.setdefault(rid, n)
        if ok:
            parsed.append((name, rid))
    if errors:
        raise RosterRowsInvalid(errors)
    if not parsed:
        raise FileProblem(_("名单中没有教师，请填写后再上传。"), code="empty")
    return parsed


@transaction.atomic
def roster_upload(*, actor: User, school: School, file: Any) -> RosterResult:
    """Import a school's in-service roster (all rows or none) and flag current employments of its teachers."""
    require(actor, "schools.submit_roster")
    link = getattr(actor, "school_admin", None)
    if not actor.is_platform_admin and (link is None or link.school_id != school.pk):
        from django.http import Http404

        raise Http404
    size = getattr(file, "size", None)
    rows = parse_roster(file, size)
    School.objects.select_for_update().filter(pk=school.pk).first()
    InServiceRoster.objects.filter(school=school, is_current=True).update(is_current=False)
    roster = InServiceRoster.objects.create(
        school=school,
        uploaded_by=actor,
        file_name=str(getattr(file, "name", "") or "")[:255],
        row_count=len(rows),
        division_code=school.division_code,
        is_current=True,
    )
    RosterEntry.objects.bulk_create(
        [
            RosterEntry(roster=roster, school=school, resident_id=rid, name=name, division_code=school.division_code)
            for name, rid in rows
        ]
    )
    entries = list(RosterEntry.objects.filter(roster=roster).select_related("school"))
    # Taken before the callbacks look for employments, so a hire of one of these teachers committing meanwhile is
    # either seen here or sees this roster (core.locks.lock_resident_ids).
    lock_resident_ids([e.resident_id for e in entries])
    flagged: list[Any] = []
    for callback in roster_callbacks():  # staff flags current employments of rostered teachers
        flagged.extend(callback(actor=actor, entries=entries))
    # Each flag becomes a case the teacher's school answers (and the enforcement app's lead, through the hook).
    from .teachers import cases_open_from_flags

    cases_open_from_flags(actor=actor, flags=flagged)
    roster.flagged_count = len(flagged)
    roster.save(update_fields=["flagged_count"])
    audit_record(
        actor=actor,
        action="schools.roster_upload",
        obj=roster,
        after={"school": school.code, "rows": len(rows), "flagged": len(flagged)},
    )
    return RosterResult(roster=roster, flagged=flagged)
