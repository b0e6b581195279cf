"""The guidance price table is edited only at the level that owns it: the city's education
regulators edit the city's table; county regulators of every department, and other city departments, read it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from shuangjian.core.models import Department, DivisionLevel
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory
from shuangjian.courses import services
from shuangjian.courses.models import GuidancePrice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _divisions() -> None:
    # The form's division picker lists the provinces and cities in the regulator's scope, by name.
    DivisionFactory.create(code="41", name="河南省", level=DivisionLevel.PROVINCE)
    DivisionFactory.create(code="4102", name="开封市", level=DivisionLevel.CITY)


FORM = {
    "division_code": "4102",
    "class_size_tier": "small",
    "price_format": "offline",
    "benchmark": "80",
    "effective_from": "2026-01-01",
}


def _set(actor: Any, division_code: str = "4102") -> GuidancePrice:
    return services.guidance_price_set(
        actor=actor,
        division_code=division_code,
        class_size_tier="small",
        price_format="offline",
        benchmark_fen=8000,
        effective_from=datetime.date(2026, 1, 1),
    )


@pytest.mark.parametrize(
    ("department", "scope"),
    [(d, "410202") for d in Department.values] + [(Department.SPORTS, "4102"), (Department.MARKET_REGULATION, "4102")],
)
def test_only_the_owning_level_and_education_edit_the_city_table(client: Any, department: str, scope: str) -> None:
    reader = RegulatorFactory.create(department=department, scope_code=scope)
    with pytest.raises(RuleViolationError) as refused:
        _set(reader)
    assert refused.value.violations[0].code == "guidance_price.scope"
    client.force_login(reader)
    page = client.get(reverse("courses:guidance_prices"))
    assert page.status_code == 200  # read access stays
    assert 'name="benchmark"' not in page.content.decode()  # no form to fill in for nothing
    client.post(reverse("courses:guidance_prices"), FORM)
    assert not GuidancePrice.objects.exists()


def test_city_education_regulator_edits_the_city_table_but_not_the_province_one(client: Any) -> None:
    city = RegulatorFactory.create(department=Department.EDUCATION, scope_code="4102")
    client.force_login(city)
    assert 'name="benchmark"' in client.get(reverse("courses:guidance_prices")).content.decode()
    assert client.post(reverse("courses:guidance_prices"), FORM).status_code == 302
    assert GuidancePrice.objects.filter(division_code="4102").count() == 1
    with pytest.raises(RuleViolationError):
        _set(city, division_code="41")
