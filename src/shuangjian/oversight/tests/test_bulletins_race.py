"""Bulletin numbers under concurrent publishing (PostgreSQL): drafts published at once take consecutive numbers,
never the same one and with no gap."""

from __future__ import annotations

import pytest
from django.db import connection

from shuangjian.core.tests.concurrency import race
from shuangjian.oversight import bulletins
from shuangjian.oversight.models import Bulletin, BulletinStatus

from .bulletin_helpers import draft, regulator

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_publishing_takes_consecutive_distinct_numbers() -> None:
    from shuangjian.registry.tests.helpers import divisions

    divisions()
    editors = [regulator("b_r1"), regulator("b_r2")]
    drafts = [draft(editors[0]) for _ in range(4)]
    calls = [
        (lambda r=editors[i % 2], b=b: bulletins.bulletin_publish(actor=r, bulletin=b)) for i, b in enumerate(drafts)
    ]
    ok, errors = race(*calls)
    assert (ok, errors) == (4, [])
    seqs = sorted(
        Bulletin.objects.filter(status=BulletinStatus.PUBLISHED).values_list("seq", flat=True), key=lambda s: s or 0
    )
    assert seqs == [1, 2, 3, 4]


def test_the_same_draft_published_twice_at_once_takes_one_number() -> None:
    from shuangjian.registry.tests.helpers import divisions

    divisions()
    editors = [regulator("b_r1"), regulator("b_r2")]
    b = draft(editors[0])
    ok, errors = race(*[(lambda r=r: bulletins.bulletin_publish(actor=r, bulletin=b)) for r in editors])
    assert ok == 1 and len(errors) == 1
    b.refresh_from_db()
    assert b.seq == 1
