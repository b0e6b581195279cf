"""Rectification notices issued at the same moment in one county get consecutive numbers with no gap and no
duplicate; the same offline draft sent twice at once records one inspection (PostgreSQL row locks)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from shuangjian.core.tests.concurrency import race
from shuangjian.enforcement import checklist, inspections, notices
from shuangjian.enforcement.models import Inspection, RectificationNotice
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry.tests.factories import InstitutionFactory

from .inspection_helpers import inspector, record, results

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_notices_issued_concurrently_are_numbered_without_gaps() -> None:
    me = inspector()
    done = [record(me, InstitutionFactory.create(), failed={checklist.PRICES: "未公示"}) for _ in range(6)]
    ok, errors = race(*[(lambda d=d: notices.notice_issue(actor=me, inspection=d)) for d in done])
    assert (ok, errors) == (6, [])
    seqs = sorted(RectificationNotice.objects.values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert RectificationNotice.objects.values("number").distinct().count() == 6


def test_the_same_draft_sent_twice_at_once_records_one_inspection() -> None:
    me = inspector()
    inst = InstitutionFactory.create()
    planned = inspections.inspection_start(actor=me, subject=Subject.of_institution(inst), kind="routine")
    cu = uuid.uuid4()

    def send() -> None:
        inspections.inspection_submit(
            actor=me,
            client_uuid=cu,
            items=results(),
            planned=planned,
            inspector_signatures="张三",
            party_signature="王五",
        )

    ok, errors = race(send, send)
    assert ok == 2, errors
    assert Inspection.objects.filter(client_uuid=cu).count() == 1
    assert Inspection.objects.get(pk=planned.pk).items.count() == len(checklist.CHECKLIST)
