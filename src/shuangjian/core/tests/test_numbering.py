"""Gap-free document numbers (文书编号) and the official Word layout every generated document uses."""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction
from docx import Document

from shuangjian.core import docx as official
from shuangjian.core.numbering import document_number_next, document_number_peek
from shuangjian.core.tests.concurrency import race


@pytest.mark.django_db
def test_numbers_count_up_per_issuer_kind_and_year() -> None:
    with transaction.atomic():
        got = [document_number_next(issuer="410202", kind="notice", year=2026) for _ in range(3)]
        other_kind = document_number_next(issuer="410202", kind="decision", year=2026)
        other_year = document_number_next(issuer="410202", kind="notice", year=2027)
        other_issuer = document_number_next(issuer="410203", kind="notice", year=2026)
    assert got == [1, 2, 3]
    assert (other_kind, other_year, other_issuer) == (1, 1, 1)
    assert document_number_peek(issuer="410202", kind="notice", year=2026) == 3


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back() -> None:
    with transaction.atomic():
        assert document_number_next(issuer="410202", kind="notice", year=2026) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        document_number_next(issuer="410202", kind="notice", year=2026)
        raise RuntimeError("the document failed to save")
    with transaction.atomic():
        assert document_number_next(issuer="410202", kind="notice", year=2026) == 2


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        document_number_next(issuer="410202", kind="notice", year=2026)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_issuers_get_distinct_numbers_without_gaps() -> None:
    taken: list[int] = []

    def issue() -> None:
        with transaction.atomic():
            taken.append(document_number_next(issuer="410202", kind="decision", year=2026))

    ok, errors = race(*([issue] * 8))
    assert errors == []
    assert ok == 8
    assert sorted(taken) == list(range(1, 9))


def test_official_document_sets_east_asian_fonts_and_keeps_the_text() -> None:
    doc = official.official_document()
    official.add_title(doc, "整改通知书", number="汴龙教整〔2026〕3号")
    official.add_paragraphs(doc, ["经检查，你单位存在以下问题。"])
    official.add_signature(doc, "龙亭区教育局", "2026年12月3日")
    reopened = Document(io.BytesIO(official.to_bytes(doc)))
    texts = [p.text for p in reopened.paragraphs]
    assert texts[:3] == ["整改通知书", "汴龙教整〔2026〕3号", "经检查，你单位存在以下问题。"]
    assert "龙亭区教育局" in texts
    xml = reopened.paragraphs[2].runs[0]._element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in xml
