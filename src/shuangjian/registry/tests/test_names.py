"""Institution and site names refuse characters that hide a name from search, on every write path."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from shuangjian.registry import services
from shuangjian.registry.models import Site
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u2066", "\ufeff", "\u00ad", "\x7f"])
def test_operator_cannot_rename_the_institution_with_a_hidden_character(hidden: str) -> None:
    inst = InstitutionFactory.create(name="龙亭启航培训学校")
    with pytest.raises(ValidationError) as refused:
        services.institution_update(
            actor=operator_for(inst), institution=inst, changes={"name": f"龙亭启航{hidden}培训学校"}
        )
    assert "name" in refused.value.error_dict
    inst.refresh_from_db()
    assert inst.name == "龙亭启航培训学校"


def test_site_api_refuses_delete_character_that_the_old_pattern_let_through(db: Any) -> None:
    inst = InstitutionFactory.create()
    c = Client()
    c.force_login(operator_for(inst))
    payload = {"name": "一号\x7f教学点", "address": "中山路1号", "usable_area_m2": "90", "floor": 2}
    resp = c.post("/api/v1/registry/my/sites", payload, content_type="application/json")
    assert 400 <= resp.status_code < 500
    assert resp.json()["code"]
    assert not Site.objects.filter(institution=inst).exists()
