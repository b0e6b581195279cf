"""The county statistics count notices, penalty cases by stage with their fines, and signs and ads, per county."""

from __future__ import annotations

import datetime

import pytest

from shuangjian.enforcement import checklist, notices, stats
from shuangjian.enforcement.models import AdFinding, PenaltyCase
from shuangjian.registry.tests.factories import InstitutionFactory

from .case_factories import file_case
from .inspection_helpers import inspector, issued, regulator

pytestmark = pytest.mark.django_db


def test_notices_cases_fines_and_ads_are_counted_per_county(settings: object) -> None:
    reg = regulator()
    insp = inspector()
    year = datetime.date.today().year
    a, b = InstitutionFactory.create(), InstitutionFactory.create()
    issued(insp, a, {checklist.PRICES: "未公示"})
    escalated = issued(insp, b, {checklist.ADS: "违规横幅"})
    notices.notice_escalate(actor=reg, notice=escalated, reason="拒不整改")
    file_case(reg, a, filed_on=datetime.date(year, 1, 5))
    decided = file_case(reg, b, filed_on=datetime.date(year, 1, 6))
    PenaltyCase.objects.filter(pk=decided.pk).update(
        stage="decided", decided_on=datetime.date(year, 2, 1), fine_fen=1_380_000
    )
    for removed in (True, False):
        AdFinding.objects.create(
            division_code="410202",
            kind="sign",
            place="路口",
            found_on=datetime.date(year, 1, 10),
            subject_name="某机构",
            removed=removed,
            created_by=reg,
        )
    data = stats.compute(["410202", "410205"], year)
    assert data.value("notices", "issued", "410202") == 2
    assert data.value("notices", "escalated", "410202") == 1
    assert data.value("notices", "closed", "410202") in (0, None)
    assert data.value("cases", "filed", "410202") == 2
    assert data.value("cases", "stage_filed", "410202") == 1
    assert data.value("cases", "stage_decided", "410202") == 1
    assert data.value("cases", "fines", "410202") == 13800.0  # yuan, from fen
    assert data.value("ads", "found", "410202") == 2 and data.value("ads", "removed", "410202") == 1
    assert data.value("cases", "filed", "410205") in (0, None)  # another county counts nothing of these
