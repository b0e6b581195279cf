from __future__ import annotations

import io
import random
from collections import Counter
from typing import Any

import pytest

from shuangjian.complaints import tasks
from shuangjian.complaints.demo import demo_reports
from shuangjian.complaints.models import Level, Report
from shuangjian.core.demo import DemoContext
from shuangjian.core.models import Department, Role
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.registry.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_and_no_accepted_report_without_a_check(counties: Any) -> None:
    RegulatorFactory.create(username="lt_edu", scope_code="410202")
    UserFactory.create(
        username="lt_inspector", role=Role.INSPECTOR, scope_code="410202", department=Department.EDUCATION
    )
    UserFactory.create(username="parent", role=Role.PARENT)
    InstitutionFactory.create_batch(3, division_code="410202")
    demo_reports(DemoContext(seed=1, rng=random.Random(1), out=io.StringIO()))
    states = Counter(Report.objects.values_list("status", flat=True))
    assert set(states) == {
        "new",
        "accepted",
        "refused",
        "assigned",
        "dispatched",
        "checked",
        "answered",
        "closed",
        "merged",
    }
    assert Report.objects.filter(phone="").exists() and Report.objects.filter(photos__isnull=False).exists()
    assert Report.objects.filter(escalated_at__isnull=False, level=Level.CITY).count() == 2
    assert Report.objects.filter(disputed_at__isnull=False).count() == 1
    assert tasks.reports_nightly_task()["orphans"] == []
