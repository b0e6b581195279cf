"""The grid demo step on a small city: officers hold cells, reports have gaps that were chased, and findings
became inspection leads; a second run changes nothing."""

from __future__ import annotations

import pytest

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
    before = (GridReport.objects.count(), Reminder.objects.count(), Finding.objects.count())
    demo_grid(ctx)
    assert (GridReport.objects.count(), Reminder.objects.count(), Finding.objects.count()) == before
