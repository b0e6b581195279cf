"""Survey import (摸底排查, Nanchang seed): an Excel template, validation of every row, upsert by USCC.

Guarantees:
- Every data row is validated; each problem is reported as (Excel row number, column header, Chinese reason).
- Nothing is half-imported: the default mode imports nothing if any row is bad; the "good rows only" mode
  imports exactly the good rows; either way the writes happen in one transaction.
- Re-importing updates institutions by USCC (history kept per changed institution with simple_history's
  bulk helpers) and the survey record of the year; it never duplicates.
- One audit event per import, with the counts (not one per row).
- Files are processed as a ``core.Job``: small ones inside the request, larger ones by a Celery task, with
  progress written to the job row during validation (outside the write transaction, so a poll can see it).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from shuangjian.core.audit import audit_record
from shuangjian.core.excel import FileProblem, RowError, first_sheet, open_workbook, sheet_rows, write_xlsx
from shuangjian.core.models import Division, DivisionLevel, Job, JobStatus, User
from shuangjian.core.permissions import require
from shuangjian.core.scope import user_reach
from shuangjian.core.validators import validate_uscc

from . import hooks
from .models import (
    APPROVING_DEPARTMENT,
    Category,
    Institution,
    InstitutionStatus,
    LegalForm,
    NonSubjectField,
    Subject,
    SurveyRecord,
    TrainingFormat,
)
from .naming import name_sort_key

logger = logging.getLogger(__name__)

JOB_KIND = "registry.survey_import"
# Files up to this many rows run inside the request; larger ones go to a background job.
INLINE_MAX_ROWS = 2000
CHUNK = 1000
ERRORS_KEPT = 500  # errors listed on the page; the error workbook holds every one
ERROR_COLUMN = "错误说明"
MODE_ALL_OR_NOTHING = "all"
MODE_GOOD_ROWS = "good"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: str
    width: int = 16


def survey_columns() -> list[Column]:
    """The template's columns in order; headers are matched by text, so their order in a file may differ."""
    return [
        Column("name", _("机构名称"), True, _("与营业执照或登记证书一致"), 32),
        Column("uscc", _("统一社会信用代码"), True, _("18 位"), 22),
        Column("division", _("所属区划代码"), True, _("县（区）6 位或乡镇（街道）9 位代码"), 14),
        Column("category", _("类别"), True, _("学科类 或 非学科类"), 10),
        Column(
            "subjects", _("学科或领域"), True, _("学科类填学科，多个用顿号分隔；非学科类填 体育、文化艺术 或 科技"), 20
        ),
        Column("site_address", _("培训场所地址"), True, _("详细地址"), 40),
        Column("weekly_hours", _("每周培训时长（小时）"), False, _("数字，0–168"), 12),
        Column("training_format", _("培训形式"), True, _("线下、线上 或 线上线下"), 10),
        Column("content", _("培训内容"), False, _("主要课程或项目"), 30),
        Column("teacher_count", _("教师人数"), False, _("整数"), 10),
        Column("fee_items", _("收费项目及标准"), False, _("如：数学 每课时 80 元"), 30),
        Column("legal_rep_name", _("法定代表人"), False, "", 12),
        Column("phone", _("联系电话"), False, _("机构电话"), 14),
        Column("licence_no", _("办学许可证号"), False, _("已取得许可证的填写"), 24),
        Column("status", _("办学状态"), False, _("空白：有许可证为“正常办学”，否则“无证办学”"), 12),
    ]


# --- the template ---------------------------------------------------------------------------------------------


def survey_template() -> IO[bytes]:
    """The downloadable template: the header row, drop-down lists for choice columns, and a sheet of notes."""
    cols = survey_columns()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("摸底排查")
    required_font = Font(bold=True, color="C00000")
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = required_font if col.required else Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        ws.column_dimensions[cell.column_letter].width = col.width
    ws.freeze_panes = "A2"
    choices = {
        "category": [str(c.label) for c in Category],
        "training_format": [str(c.label) for c in TrainingFormat],
        "status": [str(c.label) for c in InstitutionStatus],
    }
    for i, col in enumerate(cols, start=1):
        if col.key in choices:
            letter = ws.cell(row=1, column=i).column_letter
            dv = DataValidation(type="list", formula1='"' + ",".join(choices[col.key]) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}{settings.EXCEL_MAX_ROWS + 1}")
            ws.add_data_validation(dv)
    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("必填"), _("说明")])
    for col in cols:
        notes.append([col.header, _("是") if col.required else _("否"), col.note])
    notes.append([])
    notes.append([_("学科可填"), "、".join(str(s.label) for s in Subject)])
    notes.append([_("非学科类领域可填"), "、".join(str(f.label) for f in NonSubjectField)])
    notes.append([_("提示"), _("红色列名为必填；同一统一社会信用代码再次导入时更新原有记录，不会重复登记。")])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 60
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


# --- reading and validating -----------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    row: int
    name: str = ""
    uscc: str = ""
    division_code: str = ""
    township_code: str = ""
    category: str = ""
    field: str = ""
    subjects: list[str] = dc_field(default_factory=list)
    site_address: str = ""
    weekly_hours: Decimal | None = None
    training_format: str = ""
    content: str = ""
    teacher_count: int | None = None
    fee_items: str = ""
    legal_rep_name: str = ""
    phone: str = ""
    licence_no: str = ""
    status: str = ""


def _text(value: Any) -> str:
    """A cell as text: numbers typed into text columns (codes, phones) lose no digits and no ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(value: Any) -> str:
    return re.sub(r"[\s*＊]", "", _text(value))


@dataclass
class SheetLayout:
    index: dict[str, int]  # column key -> 0-based index in the sheet
    headers: list[str]  # the file's header texts, as uploaded
    estimated_rows: int


def read_layout(wb: Any) -> tuple[Any, SheetLayout]:
    """The first sheet and the position of each template column; ``FileProblem`` if required ones are missing."""
    ws = first_sheet(wb)
    header_row = next(sheet_rows(ws, min_row=1, max_rows=1), None)
    if not header_row or not any(_text(v) for v in header_row):
        raise FileProblem(_("文件中没有表头和数据，请使用下载的模板填写。"), code="empty")
    by_text = {_header_key(v): i for i, v in enumerate(header_row) if _text(v)}
    cols = survey_columns()
    missing = [c.header for c in cols if c.required and _header_key(c.header) not in by_text]
    if missing:
        raise FileProblem(
            _("表头与模板不一致，缺少必填列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)},
            code="bad_header",
        )
    index = {c.key: by_text[_header_key(c.header)] for c in cols if _header_key(c.header) in by_text}
    max_row = ws.max_row or 0
    return ws, SheetLayout(index=index, headers=[_text(v) for v in header_row], estimated_rows=max(max_row - 1, 0))


def data_rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, values) for every non-blank row below the header."""
    for number, values in enumerate(sheet_rows(ws, min_row=2), start=2):
        if values and any(_text(v) for v in values):
            yield number, values


def _label_map(choices: Any) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value, label in choices:
        mapping[str(label)] = value
        mapping[str(value)] = value
    return mapping


SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass
class Context:
    """What validation needs to know once: the importer's reach and the divisions in it."""

    reach: str
    divisions: dict[str, str]  # code -> level, county and township divisions inside the reach
    categories: dict[str, str]
    fields: dict[str, str]
    subjects: dict[str, str]
    formats: dict[str, str]
    statuses: dict[str, str]

    @classmethod
    def for_user(cls, user: User) -> Context:
        reach = user_reach(user) or ""
        divisions = dict(
            Division.objects.filter(
                code__startswith=reach, level__in=[DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP]
            ).values_list("code", "level")
        )
        subjects = _label_map(Subject.choices)
        subjects["外语（英语）"] = Subject.ENGLISH
        return cls(
            reach=reach,
            divisions=divisions,
            categories=_label_map(Category.choices),
            fields=_label_map(NonSubjectField.choices),
            subjects=subjects,
            formats=_label_map(TrainingFormat.choices),
            statuses=_label_map(InstitutionStatus.choices),
        )


def parse_row(
    number: int, values: tuple[Any, ...], layout: SheetLayout, ctx: Context
) -> tuple[ParsedRow, list[RowError]]:
    """One row's values checked on their own (file-wide and database checks come after)."""
    headers = {c.key: c.header for c in survey_columns()}
    errors: list[RowError] = []
    out = ParsedRow(row=number)

    def cell(key: str) -> Any:
        i = layout.index.get(key)
        return values[i] if i is not None and i < len(values) else None

    def err(key: str, message: str) -> None:
        errors.append(RowError(number, headers[key], message))

    def required_text(key: str, max_len: int) -> str:
        text = _text(cell(key))
        if not text:
            err(key, _("必填项为空"))
        elif len(text) > max_len:
            err(key, _("超过 %(n)d 个字") % {"n": max_len})
        return text

    def optional_text(key: str, max_len: int) -> str:
        text = _text(cell(key))
        if len(text) > max_len:
            err(key, _("超过 %(n)d 个字") % {"n": max_len})
        return text

    out.name = required_text("name", 128)
    raw_uscc = _text(cell("uscc"))
    if not raw_uscc:
        err("uscc", _("必填项为空"))
    else:
        try:
            out.uscc = validate_uscc(raw_uscc)
        except ValidationError as exc:
            err("uscc", " ".join(exc.messages))

    code = _text(cell("division"))
    if not code:
        err("division", _("必填项为空"))
    elif not code.isdigit() or len(code) not in (6, 9):
        err("division", _("区划代码“%(c)s”应为 6 位（县区）或 9 位（乡镇街道）数字") % {"c": code})
    elif code not in ctx.divisions:
        if ctx.reach and not code.startswith(ctx.reach) and Division.objects.filter(code=code).exists():
            err("division", _("区划代码“%(c)s”不在本辖区") % {"c": code})
        else:
            err("division", _("区划代码“%(c)s”不存在或不是县区、乡镇（街道）") % {"c": code})
    else:
        out.division_code = code[:6]
        out.township_code = code if len(code) == 9 else ""

    category_text = _text(cell("category"))
    if not category_text:
        err("category", _("必填项为空"))
    elif category_text not in ctx.categories:
        err("category", _("“%(v)s”不是有效类别，应为 学科类 或 非学科类") % {"v": category_text})
    else:
        out.category = ctx.categories[category_text]

    subjects_text = _text(cell("subjects"))
    if not subjects_text:
        err("subjects", _("必填项为空"))
    elif out.category == Category.SUBJECT:
        parts = [p for p in SEPARATORS.split(subjects_text) if p]
        unknown = [p for p in parts if p not in ctx.subjects]
        if unknown:
            err("subjects", _("“%(v)s”不是学科类学科") % {"v": "、".join(unknown)})
        else:
            out.subjects = list(dict.fromkeys(ctx.subjects[p] for p in parts))
    elif out.category == Category.NON_SUBJECT:
        if subjects_text not in ctx.fields:
            err("subjects", _("非学科类领域应为 体育、文化艺术 或 科技，而不是“%(v)s”") % {"v": subjects_text})
        else:
            out.field = ctx.fields[subjects_text]

    out.site_address = required_text("site_address", 255)

    hours = cell("weekly_hours")
    if _text(hours):
        try:
            number_value = Decimal(str(hours).strip()) if not isinstance(hours, bool) else None
        except InvalidOperation:
            number_value = None
        if number_value is None or not number_value.is_finite():
            err("weekly_hours", _("应填写数字，而不是“%(v)s”") % {"v": _text(hours)})
        elif number_value < 0 or number_value > 168:
            err("weekly_hours", _("应在 0 到 168 之间"))
        else:
            out.weekly_hours = number_value.quantize(Decimal("0.1"))

    fmt = _text(cell("training_format"))
    if not fmt:
        err("training_format", _("必填项为空"))
    elif fmt not in ctx.formats:
        err("training_format", _("“%(v)s”不是有效培训形式，应为 线下、线上 或 线上线下") % {"v": fmt})
    else:
        out.training_format = ctx.formats[fmt]

    out.content = optional_text("content", 2000)

    teachers = cell("teacher_count")
    if _text(teachers):
        count: int | None = None
        if isinstance(teachers, int) and not isinstance(teachers, bool):
            count = teachers
        elif isinstance(teachers, float) and teachers.is_integer():
            count = int(teachers)
        elif isinstance(teachers, str) and _text(teachers).isdigit():
            count = int(_text(teachers))
        if count is None:
            err("teacher_count", _("应填写整数，而不是“%(v)s”") % {"v": _text(teachers)})
        elif count < 0 or count > 100_000:
            err("teacher_count", _("人数不合理"))
        else:
            out.teacher_count = count

    out.fee_items = optional_text("fee_items", 2000)
    out.legal_rep_name = optional_text("legal_rep_name", 64)
    out.phone = optional_text("phone", 20)
    out.licence_no = optional_text("licence_no", 40)
    status_text = _text(cell("status"))
    if status_text:
        if status_text not in ctx.statuses:
            err("status", _("“%(v)s”不是有效办学状态") % {"v": status_text})
        else:
            out.status = ctx.statuses[status_text]
    return out, errors


@dataclass
class Outcome:
    total_rows: int = 0
    bad_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    imported: bool = False
    errors: list[RowError] = dc_field(default_factory=list)

    def as_result(self, mode: str) -> dict[str, Any]:
        return {
            "mode": mode,
            "total_rows": self.total_rows,
            "bad_rows": self.bad_rows,
            "good_rows": self.total_rows - self.bad_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "imported": self.imported,
            "error_count": len(self.errors),
            "errors": [e.as_dict() for e in self.errors[:ERRORS_KEPT]],
        }


def validate_rows(
    ws: Any, layout: SheetLayout, ctx: Context, on_progress: Callable[[int], None] | None = None
) -> tuple[list[ParsedRow], Outcome]:
    """Parse and check every row; returns the good rows and the outcome with every error."""
    outcome = Outcome()
    headers = {c.key: c.header for c in survey_columns()}
    good: list[ParsedRow] = []
    seen_uscc: dict[str, int] = {}
    seen_licence: dict[str, int] = {}
    chunk: list[tuple[ParsedRow, list[RowError]]] = []

    def flush() -> None:
        usccs = [p.uscc for p, _e in chunk if p.uscc]
        existing = dict(Institution.objects.filter(uscc__in=usccs).values_list("uscc", "division_code"))
        licences = [p.licence_no for p, _e in chunk if p.licence_no]
        licence_owner = dict(Institution.objects.filter(licence_no__in=licences).values_list("licence_no", "uscc"))
        for parsed, errors in chunk:
            held = existing.get(parsed.uscc)
            if held is not None and ctx.reach and not held.startswith(ctx.reach):
                errors.append(RowError(parsed.row, headers["uscc"], _("该机构登记在其他辖区，不能由本辖区导入更新")))
            owner = licence_owner.get(parsed.licence_no) if parsed.licence_no else None
            if owner is not None and owner != parsed.uscc:
                errors.append(RowError(parsed.row, headers["licence_no"], _("该许可证号已登记在其他机构名下")))
            if errors:
                outcome.bad_rows += 1
                outcome.errors.extend(errors)
            else:
                good.append(parsed)
        chunk.clear()

    for number, values in data_rows(ws):
        outcome.total_rows += 1
        parsed, errors = parse_row(number, values, layout, ctx)
        if parsed.uscc:
            first = seen_uscc.setdefault(parsed.uscc, number)
            if first != number:
                errors.append(
                    RowError(number, headers["uscc"], _("与第 %(n)d 行的统一社会信用代码重复") % {"n": first})
                )
        if parsed.licence_no:
            first = seen_licence.setdefault(parsed.licence_no, number)
            if first != number:
                errors.append(
                    RowError(number, headers["licence_no"], _("与第 %(n)d 行的办学许可证号重复") % {"n": first})
                )
        chunk.append((parsed, errors))
        if len(chunk) >= CHUNK:
            flush()
            if on_progress is not None:
                on_progress(outcome.total_rows)
    flush()
    if outcome.total_rows == 0:
        raise FileProblem(_("文件中没有数据行：请在表头下方逐行填写机构信息。"), code="no_rows")
    return good, outcome


# --- writing --------------------------------------------------------------------------------------------------

UPDATED_FIELDS = [
    "name",
    "name_key",
    "category",
    "field",
    "licensed_subjects",
    "address",
    "division_code",
    "township_code",
    "training_format",
    "legal_rep_name",
    "phone",
    "licence_no",
    "status",
]


def _apply(inst: Institution, row: ParsedRow) -> bool:
    """Copy a row onto an institution; blank optional cells keep what is on record. True if anything changed."""
    values: dict[str, Any] = {
        "name": row.name,
        "name_key": name_sort_key(row.name),
        "category": row.category,
        "field": row.field,
        "licensed_subjects": row.subjects if row.category == Category.SUBJECT else [],
        "address": row.site_address,
        "division_code": row.division_code,
        "training_format": row.training_format,
    }
    if row.township_code:
        values["township_code"] = row.township_code
    for key in ("legal_rep_name", "phone", "licence_no", "status"):
        if getattr(row, key):
            values[key] = getattr(row, key)
    if values.get("status") == InstitutionStatus.APPLYING and inst.status == InstitutionStatus.UNLICENSED:
        values["status"] = InstitutionStatus.UNLICENSED  # still no licence: a survey cannot make it an application
    changed = False
    for key, value in values.items():
        if getattr(inst, key) != value:
            setattr(inst, key, value)
            changed = True
    return changed


def _survey_status(row: ParsedRow) -> str:
    """A surveyed institution's status: a licence number means licensed; without one it is operating unlicensed
    (无证办学), to be closed or licensed — not an application, which only an applicant's submission creates."""
    if not row.licence_no and row.status in ("", InstitutionStatus.APPLYING):
        return InstitutionStatus.UNLICENSED
    return row.status or InstitutionStatus.ACTIVE


def _new_institution(row: ParsedRow) -> Institution:
    approving = APPROVING_DEPARTMENT.get(row.field if row.category == Category.NON_SUBJECT else row.category, "")
    return Institution(
        name=row.name,
        name_key=name_sort_key(row.name),
        uscc=row.uscc,
        category=row.category,
        field=row.field,
        licensed_subjects=row.subjects if row.category == Category.SUBJECT else [],
        # GB 32100: registration-authority code 52 is a private non-enterprise unit (RULES.md).
        legal_form=LegalForm.NON_PROFIT if row.uscc.startswith("52") else LegalForm.COMPANY,
        legal_rep_name=row.legal_rep_name,
        legal_rep_id="",
        address=row.site_address,
        division_code=row.division_code,
        township_code=row.township_code,
        phone=row.phone,
        training_format=row.training_format,
        status=_survey_status(row),
        licence_no=row.licence_no or None,
        approving_department=approving,
    )


def write_rows(*, actor: User, rows: list[ParsedRow], year: int, job: Job | None, outcome: Outcome) -> None:
    """Upsert institutions by USCC and the survey record of ``year``; the caller holds the transaction."""
    reason = _("摸底排查导入")
    now = timezone.now()
    to_create: list[Institution] = []
    to_update: list[Institution] = []
    by_uscc: dict[str, Institution] = {}
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        existing = {i.uscc: i for i in Institution.objects.filter(uscc__in=[r.uscc for r in part])}
        for row in part:
            inst = existing.get(row.uscc)
            if inst is None:
                inst = _new_institution(row)
                to_create.append(inst)
            elif _apply(inst, row):
                inst.updated_at = now
                to_update.append(inst)
            else:
                outcome.unchanged += 1
            by_uscc[row.uscc] = inst
    if to_update:
        bulk_update_with_history(
            to_update,
            Institution,
            [*UPDATED_FIELDS, "updated_at"],
            batch_size=CHUNK,
            default_user=actor,
            default_change_reason=reason,
        )
    if to_create:
        bulk_create_with_history(
            to_create, Institution, batch_size=CHUNK, default_user=actor, default_change_reason=reason
        )
        missing = [i.uscc for i in to_create if i.pk is None]
        if missing:  # backends that do not return ids: fetch them by the unique USCC
            ids = dict(Institution.objects.filter(uscc__in=missing).values_list("uscc", "pk"))
            for inst in to_create:
                if inst.pk is None:
                    inst.pk = ids[inst.uscc]
    outcome.created = len(to_create)
    outcome.updated = len(to_update)
    # Statuses and counties may have moved: the apps above keep figures over them (inspection coverage).
    hooks.institutions_changed([i.pk for i in (*to_create, *to_update) if i.pk is not None])
    records = [
        SurveyRecord(
            institution_id=by_uscc[row.uscc].pk,
            year=year,
            division_code=row.division_code,
            site_address=row.site_address,
            weekly_hours=row.weekly_hours,
            content=row.content,
            teacher_count=row.teacher_count,
            fee_items=row.fee_items,
            job=job,
            updated_at=now,
        )
        for row in rows
    ]
    SurveyRecord.objects.bulk_create(
        records,
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["institution", "year"],
        update_fields=[
            "division_code",
            "site_address",
            "weekly_hours",
            "content",
            "teacher_count",
            "fee_items",
            "job",
            "updated_at",
        ],
    )


def error_workbook(ws: Any, layout: SheetLayout, errors: list[RowError]) -> IO[bytes]:
    """The uploaded rows again, with an "错误说明" column naming every problem of each bad row."""
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(f"{e.column}：{e.message}")
    width = len(layout.headers)

    def rows() -> Iterator[list[Any]]:
        for number, values in data_rows(ws):
            padded = list(values[:width]) + [None] * (width - len(values))
            yield [*padded, "；".join(by_row.get(number, []))]

    return write_xlsx([*layout.headers, ERROR_COLUMN], rows(), title=_("导入结果"))


# --- the job --------------------------------------------------------------------------------------------------


def _can_import(user: User) -> User:
    return require(user, "registry.import_survey")


@transaction.atomic
def survey_import_start(*, actor: User, upload: UploadedFile, mode: str, year: int) -> Job:
    """Check the file as a whole, store it on a new job, and run it (inline if small, else in the background).

    Raises ``FileProblem`` (a ValidationError) for a file that cannot be imported at all.
    """
    _can_import(actor)
    if mode not in (MODE_ALL_OR_NOTHING, MODE_GOOD_ROWS):
        raise FileProblem(_("导入方式不正确。"), code="bad_mode")
    wb = open_workbook(upload, upload.size)
    try:
        ws, layout = read_layout(wb)
        if next(data_rows(ws), None) is None:
            raise FileProblem(_("文件中没有数据行：请在表头下方逐行填写机构信息。"), code="no_rows")
    finally:
        wb.close()
    upload.seek(0)
    job = Job.objects.create(
        kind=JOB_KIND,
        owner=actor,
        division_code=actor.scope_code,
        total=layout.estimated_rows,
        params={"mode": mode, "year": year, "filename": upload.name or ""},
        message=_("摸底排查导入：%(f)s") % {"f": upload.name or ""},
    )
    job.input_file.save(f"survey-{job.pk}.xlsx", File(upload), save=True)
    if layout.estimated_rows <= INLINE_MAX_ROWS:
        transaction.on_commit(lambda: survey_import_run(job.pk))
    else:
        transaction.on_commit(lambda: survey_import_task.delay(job.pk))
    return job


def survey_import_run(job_id: int) -> Job:
    """Validate every row (progress visible), then write in one transaction according to the job's mode."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.status != JobStatus.PENDING or job.owner is None:
        return job
    actor = job.owner
    mode = job.params.get("mode", MODE_ALL_OR_NOTHING)
    year = int(job.params.get("year") or timezone.localdate().year)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    outcome = Outcome()
    try:
        with job.input_file.open("rb") as stream:
            data = stream.read()
        wb = open_workbook(io.BytesIO(data))
        ws, layout = read_layout(wb)
        Job.objects.filter(pk=job.pk).update(total=layout.estimated_rows)
        ctx = Context.for_user(actor)

        def progress(n: int) -> None:
            Job.objects.filter(pk=job.pk).update(done=n)

        good, outcome = validate_rows(ws, layout, ctx, on_progress=progress)
        write = bool(good) and (mode == MODE_GOOD_ROWS or outcome.bad_rows == 0)
        with transaction.atomic():
            if write:
                write_rows(actor=actor, rows=good, year=year, job=job, outcome=outcome)
                outcome.imported = True
            audit_record(
                actor=actor,
                action="registry.survey_import",
                obj=job,
                division_code=actor.scope_code,
                after={k: v for k, v in outcome.as_result(mode).items() if k != "errors"},
            )
        job.refresh_from_db()
        if outcome.errors:
            wb2 = open_workbook(io.BytesIO(data))
            ws2, layout2 = read_layout(wb2)
            job.result_file.save(
                f"survey-{job.pk}-errors.xlsx", File(error_workbook(ws2, layout2, outcome.errors)), save=False
            )
            wb2.close()
        wb.close()
        job.status = JobStatus.SUCCEEDED
        job.total = outcome.total_rows
        job.done = outcome.total_rows
        job.result = outcome.as_result(mode)
        job.message = import_summary(job.result)
    except FileProblem as exc:
        job.refresh_from_db()
        job.status = JobStatus.FAILED
        job.message = " ".join(exc.messages)
        job.result = {"mode": mode, "imported": False, "file_error": job.message}
    except DatabaseError:
        job.refresh_from_db()
        job.status = JobStatus.FAILED
        job.message = _("写入数据库时发生冲突（可能有人同时导入了同一机构），本次未导入任何数据，请重试。")
        job.result = {"mode": mode, "imported": False, "file_error": job.message}
    except Exception:  # the person must see the job end, and nothing was written (the transaction rolled back)
        logger.exception("survey import job %s failed", job.pk)
        job.refresh_from_db()
        job.status = JobStatus.FAILED
        job.message = _("导入过程中出现意外错误，本次未导入任何数据。请联系平台管理员。")
        job.result = {"mode": mode, "imported": False, "file_error": job.message}
    job.finished_at = timezone.now()
    job.save()
    return job


def import_summary(result: dict[str, Any]) -> str:
    if result.get("imported"):
        return _("已导入：新增 %(c)d 家，更新 %(u)d 家，无变化 %(n)d 家；有误 %(b)d 行未导入。") % {
            "c": result["created"],
            "u": result["updated"],
            "n": result["unchanged"],
            "b": result["bad_rows"],
        }
    if result.get("bad_rows"):
        return _("共 %(t)d 行，其中 %(b)d 行有误，未导入任何数据。请修改后重新上传，或选择“只导入无误的行”。") % {
            "t": result["total_rows"],
            "b": result["bad_rows"],
        }
    return _("没有可导入的行。")


@shared_task(name="registry.survey_import")
def survey_import_task(job_id: int) -> None:
    survey_import_run(job_id)
