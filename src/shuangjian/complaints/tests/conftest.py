from __future__ import annotations

from typing import Any

import pytest

from shuangjian.core.models import Department, Division, DivisionLevel, Role
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory


@pytest.fixture
def counties(db: Any) -> None:
    city = Division.objects.create(code="4102", name="开封市", level=DivisionLevel.CITY)
    Division.objects.create(code="410202", name="龙亭区", level=DivisionLevel.COUNTY, parent=city)
    Division.objects.create(code="410203", name="顺河回族区", level=DivisionLevel.COUNTY, parent=city)


@pytest.fixture
def people(counties: None) -> dict[str, Any]:
    return {
        "regulator": RegulatorFactory.create(username="c_reg", scope_code="410202"),
        "city": RegulatorFactory.create(username="c_city", scope_code="4102"),
        "other": RegulatorFactory.create(username="c_other", scope_code="410203"),
        "inspector": UserFactory.create(
            username="c_insp", role=Role.INSPECTOR, scope_code="410202", department=Department.EDUCATION
        ),
    }
