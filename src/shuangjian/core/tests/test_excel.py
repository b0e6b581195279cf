"""Excel uploads refused past their limits before they cost memory; exported text never becomes a formula."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from shuangjian.core.excel import FORMULA_LEADS, FileProblem, open_workbook, safe_row, sheet_rows, write_xlsx

HOSTILE = ["=1+1", "@SUM(1)", "+1", "-1", "\t=1", "\r=1", '=HYPERLINK("http://evil.example","点我")']


def small_workbook(rows: int = 1, cols: int = 2) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    for r in range(rows):
        ws.append([f"r{r}c{c}" for c in range(cols)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_member(base: bytes, name: str, chunks: Any) -> bytes:
    """``base`` with member ``name`` replaced by the streamed ``chunks`` (deflated, as Excel writes them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
        with dst.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
    return out.getvalue()


def bomb_sheet(megabytes: int) -> Any:
    yield b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    yield b'spreadsheetml/2006/main"><sheetData>'
    blank = b" " * (1024 * 1024)
    for _ in range(megabytes):
        yield blank
    yield b"</sheetData></worksheet>"


def peak_while(fn: Any) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        try:
            result: Any = fn()
        except FileProblem as exc:
            result = exc
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_zip_bomb_is_refused_before_parsing_with_memory_flat() -> None:
    data = with_member(small_workbook(), "xl/worksheets/sheet1.xml", bomb_sheet(200))
    assert len(data) < 2 * 1024 * 1024  # 200 MB of XML in a small upload
    result, peak = peak_while(lambda: open_workbook(io.BytesIO(data), len(data)))
    assert isinstance(result, FileProblem)
    assert result.code == "zip_ratio"
    assert "压缩炸弹" in result.messages[0]
    assert peak < 8 * 1024 * 1024


@override_settings(EXCEL_MAX_COMPRESSION_RATIO=10_000, EXCEL_MAX_UNCOMPRESSED_BYTES=20 * 1024 * 1024)
def test_uncompressed_size_limit_names_the_limit() -> None:
    data = with_member(small_workbook(), "xl/worksheets/sheet1.xml", bomb_sheet(25))
    with pytest.raises(FileProblem) as info:
        open_workbook(io.BytesIO(data), len(data))
    assert info.value.code == "too_big_uncompressed"
    assert "20 MB" in info.value.messages[0]


@override_settings(EXCEL_MAX_COMPRESSION_RATIO=10_000, EXCEL_MAX_SHARED_STRINGS_BYTES=2 * 1024 * 1024)
def test_shared_strings_have_their_own_limit() -> None:
    def strings() -> Any:
        yield b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        for _ in range(3):
            yield b"<si><t>" + "培训".encode() * 200_000 + b"</t></si>"
        yield b"</sst>"

    data = with_member(small_workbook(), "xl/sharedStrings.xml", strings())
    with pytest.raises(FileProblem) as info:
        open_workbook(io.BytesIO(data), len(data))
    assert info.value.code == "too_big_uncompressed"


def test_upload_size_and_non_excel_files_are_refused() -> None:
    with pytest.raises(FileProblem) as info:
        open_workbook(io.BytesIO(b"PK\x03\x04"), 11 * 1024 * 1024)
    assert info.value.code == "too_big" and "10 MB" in info.value.messages[0]
    for data, code in ((b"", "empty_file"), (b"\xd0\xcf\x11\xe0xxxx", "xls"), (b"name,id\n", "not_excel")):
        with pytest.raises(FileProblem) as info:
            open_workbook(io.BytesIO(data), len(data))
        assert info.value.code == code
    with pytest.raises(FileProblem) as info:
        open_workbook(io.BytesIO(b"PK\x03\x04 not really a zip"), 24)
    assert info.value.code == "not_excel"


@override_settings(EXCEL_MAX_ROWS=500)
def test_rows_past_the_limit_stop_the_stream_with_memory_bounded() -> None:
    data = small_workbook(rows=5000, cols=10)

    def read_all() -> int:
        wb = open_workbook(io.BytesIO(data), len(data))
        try:
            return sum(1 for _ in sheet_rows(wb.worksheets[0]))
        finally:
            wb.close()

    result, peak = peak_while(read_all)
    assert isinstance(result, FileProblem)
    assert result.code == "too_many_rows" and "500" in result.messages[0]
    assert peak < 16 * 1024 * 1024


@override_settings(EXCEL_MAX_CELLS=100)
def test_cells_past_the_limit_are_refused() -> None:
    data = small_workbook(rows=30, cols=5)
    wb = open_workbook(io.BytesIO(data), len(data))
    with pytest.raises(FileProblem) as info:
        list(sheet_rows(wb.worksheets[0]))
    assert info.value.code == "too_many_cells"


def test_a_sheet_declaring_every_column_is_read_only_to_the_column_limit() -> None:
    base = small_workbook(rows=3, cols=2)
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b"<sheetData>", b'<dimension ref="A1:XFD3"/><sheetData>', 1)
    data = with_member(base, "xl/worksheets/sheet1.xml", [sheet])
    wb = open_workbook(io.BytesIO(data), len(data))
    rows = list(sheet_rows(wb.worksheets[0]))
    assert len(rows) == 3
    assert all(len(r) <= 100 for r in rows)
    assert rows[0][:2] == ("r0c0", "r0c1")


def assert_no_formula(data: bytes) -> None:
    """No cell of any sheet is a formula, and text with a formula's lead is marked as typed text."""
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADS):
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)


def test_written_text_is_never_a_formula_and_reads_as_typed() -> None:
    out = write_xlsx(["名称", "数字"], [[text, 1] for text in HOSTILE], title="t")
    data = out.read()
    assert_no_formula(data)
    values = [r[0] for r in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert values == HOSTILE  # readable: nothing added, nothing lost


def test_safe_row_on_an_ordinary_sheet_keeps_numbers_and_dates() -> None:
    import datetime

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(safe_row(ws, ["=1+1", 3, 2.5, datetime.date(2026, 1, 2), None, "正常\x01名称"]))
    out = io.BytesIO()
    wb.save(out)
    assert_no_formula(out.getvalue())
    row = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))
    assert row[:4] == ("=1+1", 3, 2.5, datetime.datetime(2026, 1, 2))
    assert row[5] == "正常名称"  # a control character an .xlsx cannot hold is dropped, not a 500


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=20))
def test_any_text_round_trips_as_text(text: str) -> None:
    out = write_xlsx(["x"], [[text]], title="t")
    data = out.read()
    assert_no_formula(data)
