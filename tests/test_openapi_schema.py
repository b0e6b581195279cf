"""The published OpenAPI schema describes what the API really answers: one schema per name, errors as sent."""

from __future__ import annotations

from collections import defaultdict

import pytest
from ninja import Schema
from pydantic import BaseModel

from shuangjian.config.api import api
from shuangjian.core.api_errors import ErrorOut, InvalidOut


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_no_two_api_schemas_share_a_name():
    """ninja names each component after its class: two classes of one name publish as one, and one of them lies."""
    schema = api.get_openapi_schema()
    published = set(schema["components"]["schemas"])
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _all_subclasses(Schema) | _all_subclasses(BaseModel):
        if cls.__module__.startswith("shuangjian.") and cls.__name__ in published:
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}


def test_error_components_allow_what_the_handlers_send():
    components = api.get_openapi_schema()["components"]["schemas"]
    assert components["ErrorOut"]["properties"]["detail"]["type"] == "string"
    assert "anyOf" in components["InvalidOut"]["properties"]["detail"]


@pytest.mark.django_db
def test_a_public_422_matches_its_published_schema(client):
    response = client.get("/api/v1/public/institutions", {"q": "启"})
    assert response.status_code == 422
    operation = api.get_openapi_schema()["paths"]["/api/v1/public/institutions"]["get"]
    ref = operation["responses"][422]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/InvalidOut")
    InvalidOut.model_validate(response.json())


@pytest.mark.django_db
def test_a_public_404_matches_its_published_schema(client):
    response = client.get("/api/v1/public/institutions/999999999")
    assert response.status_code == 404
    ErrorOut.model_validate(response.json())
