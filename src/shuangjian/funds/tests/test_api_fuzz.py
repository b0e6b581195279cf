"""Fuzzing the funds endpoints: schemathesis from the OpenAPI schema, and signed random bodies at the bank hook.

Neither may ever produce a 5xx. Kept short (few examples) so the suite stays fast.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from shuangjian.core.tokens import api_token_issue

from ..models import JournalEntry
from ..signing import signed_headers
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory, parent_of


@pytest.fixture
def bearer(db):
    inst = InstitutionFactory.create()
    CustodyAccountFactory.create(institution=inst)
    enrolment = EnrolmentFactory.create(class_group__course__institution=inst)
    BankFactory.create(code="fuzzbank")
    issued = api_token_issue(actor=None, user=parent_of(enrolment), name="fuzz")
    return {"Authorization": f"Bearer {issued.secret}"}


def test_funds_api_never_answers_5xx(bearer):
    # schemathesis's pytest plugin does not run under pytest 9 here, so the operations are driven directly.
    from shuangjian.config.wsgi import application

    # The raw WSGI app closes the DB connection after each request (Django's test client switches that off);
    # inside the test transaction on PostgreSQL that would drop the connection, so do the same here.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
            path_regex=r"^/api/v1/(banks|funds)/"
        )
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        assert len(operations) >= 3
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
            def fuzz(case):
                case.call_and_validate(headers=bearer, checks=[not_a_server_error])

            fuzz()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "notification_id": st.text(max_size=70) | st.integers(),
        "order_no": st.text(max_size=45) | st.none(),
        "amount_fen": st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=5),
        "bank_reference": st.text(max_size=70) | st.integers(),
        "paid_at": st.text(max_size=30) | st.datetimes().map(lambda d: d.isoformat()),
        "payer_name": st.text(max_size=140) | JSON,
    },
)


@pytest.mark.django_db
@given(body=FIELDS | JSON)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_signed_random_bodies_get_a_4xx_or_are_booked_never_a_5xx(client, body):
    bank = BankFactory.create(code="fuzzbank", notification_secret="fuzz-secret")
    raw = json.dumps(body).encode()
    before = JournalEntry.objects.count()
    r = client.post(
        "/api/v1/banks/fuzzbank/notifications",
        data=raw,
        content_type="application/json",
        headers=signed_headers(bank.notification_secret, raw),
    )
    assert r.status_code in (200, 400), r.content
    payload = r.json()
    if r.status_code == 400:
        assert payload["code"] == "malformed" and payload["detail"]
        assert JournalEntry.objects.count() == before
    else:
        assert payload["result"] in ("booked", "suspense")
