"""The funds overview export and the simulated bank's Excel statement write institution names as text."""

from __future__ import annotations

import io

from django.test import Client
from openpyxl import load_workbook

from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tests.test_excel import assert_no_formula
from shuangjian.funds.banks.simulated import render_statement

from .conftest import World


def test_overview_export_holds_no_formula(world: World, client: Client) -> None:
    world.institution.name = '=HYPERLINK("http://evil.example","点我")'
    world.institution.save()
    client.force_login(RegulatorFactory.create())
    response = export_download(client, "/funds/overview/?export=xlsx")
    content = b"".join(response.streaming_content)
    assert_no_formula(content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert any(row[1] == world.institution.name for row in sheet.iter_rows(values_only=True))


def test_statement_workbook_holds_no_formula() -> None:
    class Line:
        def row(self) -> list[object]:
            return ["=1+1", "@SUM(1)", "+1", "-1", 100]

    assert_no_formula(render_statement([Line()], "xlsx"))  # type: ignore[list-item]
