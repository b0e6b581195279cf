"""Text that a spreadsheet would run (``=1+1``, ``@SUM(1)``, ``+1``, ``-1``, a leading tab) never reaches an
exported workbook as a formula: not in the institution export, the white and black lists, published snapshots
(which anyone downloads from the portal), nor the survey import's error workbook."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shuangjian.core.excel import write_xlsx
from shuangjian.core.models import Department, JobStatus
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tests.test_excel import HOSTILE, assert_no_formula
from shuangjian.registry import exports
from shuangjian.registry.imports import survey_columns
from shuangjian.registry.models import (
    BlacklistEntry,
    Institution,
    ListKind,
    ListPublication,
    ListPublicationRow,
)

from .helpers import body, divisions, make_institution, survey_row

pytestmark = pytest.mark.django_db


def hostile_institutions() -> list[Institution]:
    """One institution per hostile text, the text in every field a person types."""
    return [
        make_institution(
            name=f"{text}机构{i}",
            address=text,
            phone=text[:20],
            legal_rep_name=text[:64],
            licence_no=f"{text[:20]}{i}",
        )
        for i, text in enumerate(HOSTILE)
    ]


def texts(data: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(data))
    return {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}


@pytest.fixture
def regulator(client: Any) -> Any:
    divisions()
    user = RegulatorFactory(username="lt_formula")
    client.force_login(user)
    return user


def test_institution_export_writes_typed_text_as_text(client: Any, regulator: Any) -> None:
    hostile_institutions()
    data = body(export_download(client, reverse("registry:institution_export")))
    assert_no_formula(data)
    assert set(HOSTILE) <= texts(data)  # still readable as typed


def test_white_black_and_published_lists_hold_no_formula(client: Any, regulator: Any) -> None:
    insts = hostile_institutions()
    qs = Institution.objects.filter(pk__in=[i.pk for i in insts])
    assert_no_formula(exports.whitelist_xlsx(qs).read())
    for inst, text in zip(insts, HOSTILE, strict=True):
        BlacklistEntry.objects.create(
            institution=inst,
            publisher=regulator,
            reason=text,
            legal_basis=text,
            start=datetime.date.today(),
            department=Department.EDUCATION,
            division_code=inst.division_code,
        )
    assert_no_formula(exports.blacklist_xlsx(BlacklistEntry.objects.all()).read())

    publication = ListPublication.objects.create(
        year=2026, division_code="410202", published_at=timezone.now(), publisher=regulator
    )
    for inst, text in zip(insts, HOSTILE, strict=True):
        for kind in ListKind.values:
            ListPublicationRow.objects.create(
                publication=publication,
                kind=kind,
                institution=inst,
                name=text,
                uscc=inst.uscc,
                category=text[:32],
                licence_no=text[:40],
                address=text,
                division_code="410202",
                reason=text,
                legal_basis=text,
                listed_by=text[:64],
            )
    client.logout()  # the portal's copy is public
    for kind in ListKind.values:
        data = body(client.get(reverse("portal:publication_export", args=[publication.pk, kind])))
        assert_no_formula(data)
        assert set(HOSTILE) <= texts(data)


def test_survey_rows_and_the_error_workbook_keep_formulas_inert(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        survey_row(name=text, site_address=text, legal_rep_name=text, phone=text[:20], content=text) for text in HOSTILE
    ]
    rows.append(survey_row(name="=BAD()", training_format="函授"))  # a bad row puts its cells in the error workbook
    cols = survey_columns()
    # Cells typed as text (an apostrophe in Excel), as a hostile survey file would carry them.
    upload = write_xlsx([c.header for c in cols], [[r.get(c.key) for c in cols] for r in rows], title="s").read()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/registry/imports/survey/",
            {"file": SimpleUploadedFile("s.xlsx", upload), "mode": "good", "year": 2026},
        )
    job = client.get(response["Location"]).context["job"]
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == len(HOSTILE)
    stored = {t.strip() for t in HOSTILE}  # the import trims cells: "\t=1" is stored as "=1", still a formula's lead
    assert set(Institution.objects.values_list("name", flat=True)) == stored
    errors = body(client.get(reverse("registry:job_download", args=[job.pk])))
    assert_no_formula(errors)
    assert "=BAD()" in texts(errors)
    data = body(export_download(client, reverse("registry:institution_export")))
    assert_no_formula(data)
    assert stored <= texts(data)
