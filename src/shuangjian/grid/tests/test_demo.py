"""The grid demo step on a small city: officers hold cells, reports have gaps that were chased, and findings
became inspection leads; a second run changes nothing."""

from __future__ import annotations

import pytest

from shuangjian.complaints.models import Channel, Report
from shuangjian.core.models import GridAssignment, User
from shuangjian.enforcement.models import Inspection, InspectionSource
from shuangjian.grid.demo import demo_grid
from shuangjian.grid.models import Finding, GridReport, Reminder
from shuangjian.registry.tests.test_demo import build_registry_demo

pytestmark = pytest.mark.django_db


def test_demo_grid() -> None:
    ctx = build_registry_demo()
    demo_grid(ctx)
    lt_grid = User.objects.get(username="lt_grid")
    assert GridAssignment.objects.filter(officer=lt_grid).exists()
    assert GridReport.objects.filter(officer=lt_grid).count() > 20
    assert Reminder.objects.exists()
    leads = Finding.objects.filter(inspection__isnull=False)
    assert leads.count() == 2
    assert set(Inspection.objects.values_list("source", flat=True)) == {InspectionSource.GRID}
    # Three findings became report cases (channel grid), linked both ways; one shares its lead as its check.
    cases = Finding.objects.filter(public_report__isnull=False).select_related("public_report")
    assert cases.count() == 3
    assert {f.public_report.channel for f in cases if f.public_report} == {Channel.GRID}
    assert all(f.public_report and f.public_report.source_ref == f"grid.finding:{f.pk}" for f in cases)
    assert Report.objects.filter(channel=Channel.GRID, photos__isnull=False).distinct().count() == 2
    both = cases.filter(inspection__isnull=False).get()
    assert both.public_report is not None and both.public_report.inspection_id == both.inspection_id
    before = (GridReport.objects.count(), Reminder.objects.count(), Finding.objects.count(), Report.objects.count())
    demo_grid(ctx)
    after = (GridReport.objects.count(), Reminder.objects.count(), Finding.objects.count(), Report.objects.count())
    assert after == before
