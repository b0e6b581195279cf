"""Concurrent issuing of penalty decisions by one issuing body: numbers without gaps or duplicates (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from shuangjian.core.tests.concurrency import race
from shuangjian.enforcement import cases
from shuangjian.enforcement.models import CaseDocument, CaseDocumentKind

from .case_factories import D, notified, regulator

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_decisions_get_consecutive_numbers():
    reg = regulator()
    waiting = [notified(reg) for _ in range(6)]
    ok, errors = race(
        *[(lambda c=c: cases.case_transition(actor=reg, case=c, action="decide", on=D(2026, 3, 20))) for c in waiting]
    )
    assert (ok, errors) == (6, [])
    serials = sorted(CaseDocument.objects.filter(kind=CaseDocumentKind.DECISION).values_list("serial", flat=True))
    assert serials == [1, 2, 3, 4, 5, 6]
    numbers = set(CaseDocument.objects.filter(kind=CaseDocumentKind.DECISION).values_list("number", flat=True))
    assert len(numbers) == 6
