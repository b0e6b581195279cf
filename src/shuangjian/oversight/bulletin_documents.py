"""A bulletin as a Word file in the GB/T 9704 style: the issuing body's masthead in red, the issue number
(〔2026〕第12期), the issuer and date over a red rule, the title and its three sections, figures as tables.

Printed from the bulletin's stored figures and text only, so the same bulletin always gives the same document.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

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

from .bulletins import county_headers, county_rows, figures_of, overview_lines
from .models import Bulletin

RED = RGBColor(0xC0, 0x00, 0x00)


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
    add_heading(doc, _("一、综合工作"))
    add_paragraphs(doc, _lines(bulletin.overview_text))
    facts = overview_lines(figs)
    if facts:
        table = doc.add_table(rows=0, cols=1)
        table.style = "Table Grid"
        for fact in facts:
            set_east_asian_font(table.add_row().cells[0].paragraphs[0].add_run(fact), BODY_FONT)

    add_heading(doc, _("二、县区动态"))
    add_paragraphs(doc, _lines(bulletin.counties_text))
    rows = county_rows(figs)
    if rows:
        headers = county_headers()
        table = doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            set_east_asian_font(cell.paragraphs[0].add_run(text), BODY_FONT)
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                set_east_asian_font(cell.paragraphs[0].add_run(text), BODY_FONT)

    add_heading(doc, _("三、典型案例"))
    add_paragraphs(doc, _lines(bulletin.cases_text))
    add_signature(doc, bulletin.issuer_name, issued)
    return to_bytes(doc)
