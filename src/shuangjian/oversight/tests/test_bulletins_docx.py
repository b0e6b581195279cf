"""The Word file opens and carries the issue number, the three sections and the figures."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from shuangjian.oversight import bulletins
from shuangjian.oversight.bulletin_documents import bulletin_docx

from .bulletin_helpers import county_data, draft, regulator

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> tuple[str, Any]:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts), doc


def test_the_docx_opens_with_its_number_sections_and_figures() -> None:
    city = regulator("b_city", "4102")
    county_data(regulator())
    b = bulletins.bulletin_publish(actor=city, bulletin=draft(city, "4102"))
    text, doc = _text(bulletin_docx(b))
    assert b.number and b.number in text and b.number.startswith("〔")
    for heading in ("一、综合工作", "二、县区动态", "三、典型案例"):
        assert heading in text
    assert "信息快报" in text and b.title in text and b.issuer_name in text
    assert "完成检查3次" not in text and "本期完成检查2次。" in text
    assert "龙亭区" in text and "祥符区" in text
    # East Asian font set on the runs so Word renders the Chinese text in 仿宋.
    fonts = {
        r._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
        for p in doc.paragraphs
        for r in p.runs
        if r._element.rPr is not None and r._element.rPr.find(qn("w:rFonts")) is not None
    }
    assert "仿宋_GB2312" in fonts


def test_a_draft_prints_as_unnumbered() -> None:
    reg = regulator()
    county_data(reg)
    text, _doc = _text(bulletin_docx(draft(reg)))
    assert "草稿" in text
