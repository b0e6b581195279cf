"""The enrolment export writes names typed by operators and parents as text, never as a live formula."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tests.test_excel import HOSTILE, assert_no_formula

from .factories import EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_enrolment_export_holds_no_formula(client: Client) -> None:
    for text in HOSTILE:
        EnrolmentFactory.create(
            student=StudentFactory.create(name=text, school_name=text, grade=text[:10]),
            class_group__name=text,
            class_group__course__name=text,
            class_group__course__institution__name=text,
        )
    client.force_login(RegulatorFactory.create())
    response = export_download(client, reverse("students:enrolment_export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert_no_formula(content)
    names = [r[0] for r in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(HOSTILE)
