"""Double taps under PostgreSQL: two submissions of the same day's report at once make one report, and two
"become a lead" taps at once make one inspection, and two "become a report case" taps one case."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from shuangjian.complaints.models import Report
from shuangjian.core.tests.concurrency import race
from shuangjian.enforcement.models import Inspection
from shuangjian.grid import services
from shuangjian.grid.models import FindingKind, GridReport

from .factories import assign, cells, officer

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
DAY = datetime.date(2026, 10, 9)


def test_the_same_report_filed_twice_at_once_is_one_report() -> None:
    c1 = cells()[0]
    user = officer()
    assign(user, c1, datetime.date(2026, 9, 1))
    ok, errors = race(*[(lambda: services.grid_report_zero(actor=user, cell=c1, day=DAY)) for _ in range(3)])
    assert (ok, errors) == (3, [])
    assert GridReport.objects.filter(officer=user, cell=c1, day=DAY).count() == 1


def test_two_lead_taps_at_once_make_one_inspection() -> None:
    c1 = cells()[0]
    user = officer()
    assign(user, c1, datetime.date(2026, 9, 1))
    report = services.grid_report_submit(
        actor=user,
        cell=c1,
        day=DAY,
        data=services.ReportInput(
            findings=(services.FindingInput(kind=FindingKind.UNLICENSED, name="某托管班", address="北道门街3号"),)
        ),
    ).report
    finding = report.findings.get()
    ok, errors = race(*[(lambda: services.grid_finding_to_lead(actor=user, finding=finding)) for _ in range(2)])
    assert (ok, errors) == (2, [])
    assert Inspection.objects.count() == 1
    finding.refresh_from_db()
    assert finding.inspection == Inspection.objects.get()


def test_two_report_case_taps_at_once_make_one_case() -> None:
    c1 = cells()[0]
    user = officer()
    assign(user, c1, datetime.date(2026, 9, 1))
    report = services.grid_report_submit(
        actor=user,
        cell=c1,
        day=DAY,
        data=services.ReportInput(
            findings=(services.FindingInput(kind=FindingKind.UNLICENSED, name="某托管班", address="北道门街3号"),)
        ),
    ).report
    finding = report.findings.get()
    ok, errors = race(*[(lambda: services.grid_finding_to_report(actor=user, finding=finding)) for _ in range(3)])
    assert (ok, errors) == (3, [])
    assert Report.objects.count() == 1
    finding.refresh_from_db()
    assert finding.public_report == Report.objects.get()
