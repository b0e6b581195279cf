"""A bulletin as a Word file in the GB/T 9704 style: the issuing body's masthead in red, the issue number
(〔2026〕第12期), the issuer and date over a red rule, the title and its three sections, figures as tables and
as chart images (图1, 图2 …, drawn from the same stored figures as the page's charts), typical cases as a table.

Printed from the bulletin's stored figures and text only, so the same bulletin always gives the same document.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from shuangjian.core.docx import (
    BODY_FONT,
    TITLE_FONT,
    add_heading,
    add_paragraphs,
    add_signature,
    official_document,
    set_east_asian_font,
    to_bytes,
)

from .bulletin_chart_png import chart_png
from .bulletin_charts import Chart, bulletin_charts
from .bulletins import Section, case_headers, case_rows, county_headers, county_rows, figures_of, overview_lines
from .models import Bulletin

RED = RGBColor(0xC0, 0x00, 0x00)
COLUMN_WIDTH = Mm(156)  # A4 less the GB/T 9704 left and right margins (core.docx.official_document)
CAPTION_SIZE = Pt(12)  # 小四
TABLE_SIZE = Pt(10.5)  # 五号


def _table(doc: DocumentObject, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, TABLE_SIZE
        set_east_asian_font(run, BODY_FONT)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = TABLE_SIZE
            set_east_asian_font(run, BODY_FONT)


def _figure(doc: DocumentObject, number: int, chart: Chart) -> None:
    """The chart at column width, centred, its caption (图1　…) under it."""
    picture = doc.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(io.BytesIO(chart_png(chart)), width=COLUMN_WIDTH)
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = caption.add_run(_("图%(n)d　%(title)s") % {"n": number, "title": chart.title})
    run.font.size = CAPTION_SIZE
    set_east_asian_font(run, BODY_FONT)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def bulletin_docx(bulletin: Bulletin) -> bytes:
    doc = official_document()
    masthead = doc.add_paragraph()
    masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = masthead.add_run(bulletin.get_series_display())
    run.font.size, run.font.color.rgb, run.bold = Pt(36), RED, True
    set_east_asian_font(run, TITLE_FONT)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_east_asian_font(number.add_run(bulletin.number or _("（草稿，未编号）")), BODY_FONT)
    line = doc.add_paragraph()
    issued = bulletin.published_on.strftime("%Y年%m月%d日") if bulletin.published_on else ""
    set_east_asian_font(line.add_run(f"{bulletin.issuer_name}　　　　{issued}"), BODY_FONT)
    rule = doc.add_paragraph()
    rule_run = rule.add_run("━" * 22)
    rule_run.font.color.rgb = RED

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    t = title.add_run(bulletin.title)
    t.font.size = Pt(22)
    set_east_asian_font(t, TITLE_FONT)

    figs = figures_of(bulletin.figures)
    charts = list(enumerate(bulletin_charts(figs), 1))
    add_heading(doc, _("一、综合工作"))
    add_paragraphs(doc, _lines(bulletin.overview_text))
    facts = overview_lines(figs)
    if facts:
        table = doc.add_table(rows=0, cols=1)
        table.style = "Table Grid"
        for fact in facts:
            set_east_asian_font(table.add_row().cells[0].paragraphs[0].add_run(fact), BODY_FONT)
    for n, chart in charts:
        if chart.section == Section.OVERVIEW:
            _figure(doc, n, chart)

    add_heading(doc, _("二、县区动态"))
    add_paragraphs(doc, _lines(bulletin.counties_text))
    for n, chart in charts:
        if chart.section == Section.COUNTIES:
            _figure(doc, n, chart)
    rows = county_rows(figs)
    if rows:
        _table(doc, county_headers(), rows)

    add_heading(doc, _("三、典型案例"))
    add_paragraphs(doc, _lines(bulletin.cases_text))
    cases = case_rows(figs)
    if cases:
        _table(doc, case_headers(), cases)
    add_signature(doc, bulletin.issuer_name, issued)
    return to_bytes(doc)
