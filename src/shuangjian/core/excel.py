"""Excel in and out for every app: upload parsing with limits, and cells that a spreadsheet cannot run.

Reading. ``open_workbook`` refuses what is not an .xlsx, then inspects the zip's directory *before* openpyxl
opens it: a workbook is XML compressed tens of times over, and openpyxl keeps the shared-strings table in memory,
so a 662 KB upload once grew a worker by 290 MB. The declared sizes are a sound bound because ``zipfile`` never
yields more than a member declares (more data fails its CRC check). The workbook is then opened read-only (rows
streamed), and ``sheet_rows`` stops at the row and cell limits. Every refusal is a ``FileProblem`` whose message,
in Chinese, names the limit.

Writing. Text that people typed (a name, an address, a survey cell) may begin with ``=``, ``+``, ``-`` or ``@``,
which Excel and LibreOffice read as a formula (``=HYPERLINK(...)`` in a public white list). ``safe_value``
turns such text into a cell typed as text with Excel's quote prefix: the reader sees the text as written, and
neither opening nor editing the cell runs it. Every export and error workbook writes its rows through
``safe_row`` (or ``write_xlsx``, which does).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # legacy .xls
SHARED_STRINGS = "xl/sharedStrings.xml"
# A spreadsheet reads a cell starting with one of these as a formula (tab and CR: a pasted formula, OWASP).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 1000


class FileProblem(ValidationError):
    """The file as a whole cannot be imported (not Excel, too big, a limit passed, wrong headers, no rows)."""


@dataclass
class RowError:
    """One problem of one row: the Excel row number, the column's header, the reason in Chinese."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Limits:
    """The upload limits in force (settings ``EXCEL_*``), read when a file is opened so tests may change them."""

    upload_bytes: int
    uncompressed_bytes: int
    shared_strings_bytes: int
    compression_ratio: int
    rows: int
    cells: int
    columns: int

    @classmethod
    def current(cls) -> Limits:
        return cls(
            upload_bytes=settings.EXCEL_MAX_UPLOAD_BYTES,
            uncompressed_bytes=settings.EXCEL_MAX_UNCOMPRESSED_BYTES,
            shared_strings_bytes=settings.EXCEL_MAX_SHARED_STRINGS_BYTES,
            compression_ratio=settings.EXCEL_MAX_COMPRESSION_RATIO,
            rows=settings.EXCEL_MAX_ROWS,
            cells=settings.EXCEL_MAX_CELLS,
            columns=settings.EXCEL_MAX_COLUMNS,
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def upload_size_problem(size: int | None) -> FileProblem | None:
    """The refusal for an upload of ``size`` bytes, or None; forms call it to refuse before anything is read."""
    limit = Limits.current().upload_bytes
    if size is not None and size > limit:
        return FileProblem(_("文件大小超过 %(mb)s MB 上限，请拆分后分批导入。") % {"mb": _mb(limit)}, code="too_big")
    return None


def _bad_package() -> FileProblem:
    return FileProblem(_("无法读取该 Excel 文件（文件已损坏或不是 .xlsx 格式）。"), code="not_excel")


def check_package(stream: IO[bytes], limits: Limits) -> None:
    """Refuse a zip whose members would inflate past the limits, reading only its central directory."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _bad_package() from exc
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        # Small members (styles, content types) compress well and are harmless; the ratio matters for big ones.
        if info.file_size > 1024 * 1024 and ratio > limits.compression_ratio:
            raise FileProblem(
                _("文件压缩比异常（超过 %(r)d 倍），疑似压缩炸弹，已拒绝。请用 Excel 重新保存后上传。")
                % {"r": limits.compression_ratio},
                code="zip_ratio",
            )
        if info.filename == SHARED_STRINGS and info.file_size > limits.shared_strings_bytes:
            raise FileProblem(
                _("文件中的文字内容解压后超过 %(mb)s MB 上限，请拆分后分批导入。")
                % {"mb": _mb(limits.shared_strings_bytes)},
                code="too_big_uncompressed",
            )
    if total > limits.uncompressed_bytes:
        raise FileProblem(
            _("文件解压后超过 %(mb)s MB 上限，请拆分后分批导入。") % {"mb": _mb(limits.uncompressed_bytes)},
            code="too_big_uncompressed",
        )
    stream.seek(0)


def open_workbook(stream: IO[bytes], size: int | None = None) -> Any:
    """Open an upload as a read-only (streaming) workbook, or raise ``FileProblem`` with the reason in Chinese."""
    limits = Limits.current()
    problem = upload_size_problem(size)
    if problem is not None:
        raise problem
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise FileProblem(_("上传的文件是空的。"), code="empty_file")
    if head.startswith(OLE_SIGNATURE):
        raise FileProblem(_("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传。"), code="xls")
    if not head.startswith(ZIP_SIGNATURE):
        raise FileProblem(_("上传的文件不是 Excel（.xlsx）文件，请使用下载的模板填写后上传。"), code="not_excel")
    check_package(stream, limits)
    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package; none may become a 500
        raise _bad_package() from exc


def first_sheet(wb: Any) -> Any:
    ws = wb.worksheets[0] if wb.worksheets else None
    if ws is None:
        raise FileProblem(_("文件中没有工作表。"), code="no_sheet")
    return ws


def sheet_rows(ws: Any, *, min_row: int = 1, max_rows: int | None = None) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows from ``min_row`` as value tuples, streamed; ``FileProblem`` past the row or cell limit.

    ``max_rows`` (an importer's own, smaller limit) counts rows from ``min_row``; the settings' limit applies too.
    Columns past ``EXCEL_MAX_COLUMNS`` are not read: a sheet may declare 16,384 columns, and openpyxl would pad
    every row to that width.
    """
    limits = Limits.current()
    row_limit = min(max_rows, limits.rows) if max_rows is not None else limits.rows
    declared_cols = ws.max_column if isinstance(getattr(ws, "max_column", None), int) else limits.columns
    width = max(1, min(declared_cols, limits.columns))
    rows = 0
    cells = 0
    for values in ws.iter_rows(min_row=min_row, max_col=width, values_only=True):
        rows += 1
        if rows > row_limit:
            raise FileProblem(_("文件超过 %(n)d 行，请拆分后分批导入。") % {"n": row_limit}, code="too_many_rows")
        cells += len(values)
        if cells > limits.cells:
            raise FileProblem(
                _("文件超过 %(n)d 个单元格，请拆分后分批导入。") % {"n": limits.cells}, code="too_many_cells"
            )
        yield values


# --- writing ---------------------------------------------------------------------------------------------------


def safe_value(ws: Any, value: Any) -> Any:
    """``value`` as written to a cell, with text a spreadsheet would run (or refuse) made inert and readable.

    Characters an .xlsx cannot hold (C0 controls) are dropped rather than failing the whole export.
    """
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith(FORMULA_LEADS):
        return text
    cell = WriteOnlyCell(ws, value=None)
    cell._value = text  # bypass openpyxl's "starts with = means formula" guess
    cell.data_type = "s"
    cell.quotePrefix = True  # Excel's own mark for "typed as text", kept if someone edits the cell
    return cell


def safe_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``ws.append``: every text value passed through ``safe_value``."""
    return [safe_value(ws, v) for v in values]


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    widths: Sequence[int] | None = None,
    on_row: Callable[[int], None] | None = None,
) -> IO[bytes]:
    """Write one sheet (bold header row, then ``rows``) to a temporary file, rewound, and return it.

    Write-only mode streams rows to disk, so memory stays flat for any number of rows.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    header_cells: list[Cell] = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for n, row in enumerate(rows, start=1):
        ws.append(safe_row(ws, row))
        if on_row is not None and n % PROGRESS_EVERY == 0:
            on_row(n)
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    return out
