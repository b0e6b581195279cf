"""Official documents as Word files (GB/T 9704-style layout): A4, the usual margins, 仿宋 body text and
小标宋/黑体 titles set as *East Asian* fonts, so Word and WPS render the Chinese text in the intended face
instead of falling back to a Latin font."""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.run import Run

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号


def set_east_asian_font(run: Run, name: str) -> None:
    """Set the run's font for both Latin and East Asian text (python-docx sets only the Latin one)."""
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def official_document() -> DocumentObject:
    """A blank A4 document with GB/T 9704 margins and a 仿宋 三号 Normal style."""
    doc = Document()
    for section in doc.sections:
        section.page_height, section.page_width = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    return doc


def add_title(doc: DocumentObject, text: str, *, number: str = "") -> None:
    """The document's title, centred, and its number (文号) under it."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.font.size = TITLE_SIZE
    set_east_asian_font(run, TITLE_FONT)
    if number:
        n = doc.add_paragraph()
        n.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_east_asian_font(n.add_run(number), BODY_FONT)


def add_heading(doc: DocumentObject, text: str) -> None:
    p = doc.add_paragraph()
    set_east_asian_font(p.add_run(text), HEADING_FONT)


def add_paragraphs(doc: DocumentObject, texts: Iterable[str], *, indent: bool = True) -> None:
    """Body paragraphs, each first line indented two characters as official documents are."""
    for text in texts:
        p = doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        set_east_asian_font(p.add_run(text), BODY_FONT)


def add_signature(doc: DocumentObject, issuer: str, date_text: str) -> None:
    """The issuing body and the date, right-aligned at the end."""
    for text in (issuer, date_text):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        set_east_asian_font(p.add_run(text), BODY_FONT)


def to_bytes(doc: DocumentObject) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
