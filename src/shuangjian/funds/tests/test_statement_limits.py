"""Statement uploads are streamed and bounded: oversize files, too many lines, over-long fields and inflating
workbooks get a clear Chinese error and write nothing (never a 500)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shuangjian.core.tests.factories import RegulatorFactory

from .. import reconcile
from ..banks.simulated import StatementLineData, render_statement
from ..models import Statement, StatementLine
from .conftest import World

pytestmark = pytest.mark.django_db


def statement(n: int) -> bytes:
    day = timezone.localdate()
    return render_statement([StatementLineData(f"L{i}", day, 100 + i) for i in range(n)], "csv")


def refused(world: World, content: bytes, file_name: str = "s.csv") -> reconcile.StatementError:
    with pytest.raises(reconcile.StatementError) as caught:
        reconcile.statement_import(actor=None, bank=world.bank, content=content, file_name=file_name)
    assert Statement.objects.count() == 0 and StatementLine.objects.count() == 0
    return caught.value


def test_a_file_over_the_byte_limit_is_refused(world: World, settings) -> None:
    content = statement(50)
    settings.FUNDS_STATEMENT_MAX_BYTES = len(content) - 1
    error = refused(world, content)
    assert error.code == "statement_too_large" and "MB" in error.messages[0]
    settings.FUNDS_STATEMENT_MAX_BYTES = len(content)
    assert reconcile.statement_import(actor=None, bank=world.bank, content=content).lines == 50


def test_a_file_over_the_line_limit_is_refused(world: World, settings) -> None:
    settings.FUNDS_STATEMENT_MAX_LINES = 10
    error = refused(world, statement(11))
    assert error.code == "statement_too_many_lines" and "10 行" in error.messages[0]
    assert reconcile.statement_import(actor=None, bank=world.bank, content=statement(10)).lines == 10


def test_a_field_longer_than_the_csv_limit_is_a_clear_error(world: World) -> None:
    day = timezone.localdate().isoformat()
    content = f"bank_reference,value_date,amount,account_no,counterparty,memo\nR1,{day},1.00,,,ok\n".encode()
    content += f"R2,{day},1.00,,,{'x' * 131_073}\n".encode()
    error = refused(world, content)
    assert error.code == "statement_line"
    assert "第 3 行" in error.messages[0] and "131072" in error.messages[0]


def test_a_workbook_that_inflates_past_the_limit_is_refused_unopened(world: World, settings) -> None:
    settings.FUNDS_STATEMENT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (2 * 1024 * 1024))
    assert len(bomb.getvalue()) < 64 * 1024
    error = refused(world, bomb.getvalue(), "s.xlsx")
    assert error.code == "statement_too_large"


def test_upload_page_streams_the_file_and_shows_limit_errors(world: World, client: Client, settings) -> None:
    client.force_login(RegulatorFactory.create())
    content = statement(3)
    r = client.post(
        "/funds/reconcile/",
        {"bank": world.bank.pk, "file": SimpleUploadedFile("s.csv", content, "text/csv")},
        follow=True,
    )
    assert r.status_code == 200 and Statement.objects.get().line_count == 3
    xlsx = render_statement([StatementLineData("X1", timezone.localdate(), 100)], "xlsx")
    client.post("/funds/reconcile/", {"bank": world.bank.pk, "file": SimpleUploadedFile("s.xlsx", xlsx)})
    assert Statement.objects.count() == 2
    settings.FUNDS_STATEMENT_MAX_BYTES = 10
    r = client.post(
        "/funds/reconcile/",
        {"bank": world.bank.pk, "file": SimpleUploadedFile("t.csv", statement(4), "text/csv")},
        follow=True,
    )
    assert r.status_code == 200 and "对账单文件过大" in r.content.decode()
    assert Statement.objects.count() == 2
