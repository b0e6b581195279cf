"""Filing numbers under concurrent approvals: two reviewers approving at once get two consecutive numbers, never
the same one, and a rolled-back approval leaves no gap. The number's formatting is slowed down so that, without
the counter row's lock, both approvals would read the same last number before either commits."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection

from shuangjian.competitions import services
from shuangjian.competitions.models import Competition, CompetitionStatus, FilingCounter
from shuangjian.core.tests.concurrency import race

from .factories import CompetitionFactory, education_regulator

pytestmark = [
    # The suite runs once on SQLite and once on PostgreSQL (REQUIRE_POSTGRES makes that second run mandatory).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def slow_numbering(monkeypatch: pytest.MonkeyPatch) -> None:
    real = services.format_filing_no

    def slow(*args: Any) -> str:
        time.sleep(0.4)  # both approvals are inside their transaction, between reading the counter and writing it
        return real(*args)

    monkeypatch.setattr(services, "format_filing_no", slow)


def test_concurrent_approvals_get_consecutive_distinct_numbers() -> None:
    reviewers = [education_regulator(), education_regulator()]
    filings = [CompetitionFactory.create(status=CompetitionStatus.SUBMITTED) for _ in range(4)]
    calls = [
        (lambda r=reviewers[i % 2], c=c: services.competition_approve(actor=r, competition=c))
        for i, c in enumerate(filings)
    ]
    ok, errors = race(*calls)
    assert (ok, errors) == (4, [])
    numbers = sorted(str(n) for n in Competition.objects.values_list("filing_no", flat=True))
    assert numbers == [f"JS-410202-2026-{n:04d}" for n in (1, 2, 3, 4)]
    assert FilingCounter.objects.get(issued_by_code="410202", cycle=2026).last == 4


def test_the_same_filing_approved_twice_at_once_takes_one_number() -> None:
    filing = CompetitionFactory.create(status=CompetitionStatus.SUBMITTED)
    reviewers = [education_regulator(), education_regulator()]
    ok, errors = race(*[(lambda r=r: services.competition_approve(actor=r, competition=filing)) for r in reviewers])
    assert ok == 1 and len(errors) == 1
    assert FilingCounter.objects.get(issued_by_code="410202", cycle=2026).last == 1
    filing.refresh_from_db()
    assert filing.filing_no == "JS-410202-2026-0001"
