"""The roster upload refuses a zip bomb and an over-long sheet with a Chinese message and imports nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from shuangjian.core.tests.test_excel import bomb_sheet, small_workbook, with_member
from shuangjian.schools.models import InServiceRoster
from shuangjian.staff.tests.factories import SchoolAdminUserFactory, rid, roster_file

pytestmark = pytest.mark.django_db


def test_roster_zip_bomb_and_row_limit_answer_422() -> None:
    admin = SchoolAdminUserFactory.create()
    client = Client()
    client.force_login(admin)
    refused = client.post(
        "/schools/rosters/",
        {
            "file": SimpleUploadedFile(
                "r.xlsx", with_member(small_workbook(), "xl/worksheets/sheet1.xml", bomb_sheet(120))
            )
        },
    )
    assert refused.status_code == 422 and "压缩炸弹" in refused.content.decode()
    with override_settings(EXCEL_MAX_ROWS=5):
        rows = [(f"老师{n}", rid(n)) for n in range(1, 10)]
        long = client.post("/schools/rosters/", {"file": roster_file(rows)})
    assert long.status_code == 422 and "超过 5 行" in long.content.decode()
    assert not InServiceRoster.objects.exists()
