"""Fuzzing the staff and schools endpoints from the OpenAPI schema: never a 5xx. Kept short."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from shuangjian.core.tokens import api_token_issue

from .factories import OperatorFactory


@pytest.fixture
def bearer(db: object) -> dict[str, str]:
    op = OperatorFactory.create()
    issued = api_token_issue(actor=None, user=op, name="fuzz")
    return {"Authorization": f"Bearer {issued.secret}"}


def test_staff_and_schools_api_never_answer_5xx(bearer: dict[str, str]) -> None:
    from shuangjian.config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
            path_regex=r"^/api/v1/(staff|schools)/"
        )
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        assert len(operations) >= 5
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
            def fuzz(case: object) -> None:
                case.call_and_validate(headers=bearer, checks=[not_a_server_error])  # type: ignore[attr-defined]

            fuzz()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
