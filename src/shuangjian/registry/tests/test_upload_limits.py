"""The survey import refuses a zip bomb and an over-long sheet with a Chinese message, imports nothing, and never
answers 500 (the school roster upload: schools/tests/test_roster_limits.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from shuangjian.core.models import Job, JobStatus
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tests.test_excel import bomb_sheet, small_workbook, with_member
from shuangjian.registry.models import Institution

from .helpers import divisions, survey_row, survey_xlsx

pytestmark = pytest.mark.django_db
URL = "/registry/imports/survey/"


def bomb() -> bytes:
    return with_member(small_workbook(), "xl/worksheets/sheet1.xml", bomb_sheet(120))


@pytest.fixture
def regulator(client: Any) -> Any:
    divisions()
    user = RegulatorFactory(username="lt_limits")
    client.force_login(user)
    return user


def test_survey_zip_bomb_is_a_form_error_and_no_job(client: Any, regulator: Any) -> None:
    response = client.post(URL, {"file": SimpleUploadedFile("s.xlsx", bomb()), "mode": "all", "year": 2026})
    assert response.status_code == 200
    assert "压缩炸弹" in response.content.decode()
    assert not Job.objects.exists()


@override_settings(EXCEL_MAX_ROWS=30)
def test_survey_over_the_row_limit_fails_the_job_and_imports_nothing(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = survey_xlsx([survey_row() for _ in range(40)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile("s.xlsx", data), "mode": "good", "year": 2026})
    job = client.get(response["Location"]).context["job"]
    assert job.status == JobStatus.FAILED and "超过 30 行" in job.message
    assert not Institution.objects.exists()
    # The upload page names the limits in force.
    assert "30 行" in client.get(URL).content.decode()
