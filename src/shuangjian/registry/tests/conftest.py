from __future__ import annotations

import pytest

from shuangjian.core.models import Department
from shuangjian.core.tests.factories import RegulatorFactory


@pytest.fixture
def edu(db: object) -> object:
    return RegulatorFactory.create(username="edu", department=Department.EDUCATION, scope_code="410202")


@pytest.fixture
def sports(db: object) -> object:
    return RegulatorFactory.create(username="sports", department=Department.SPORTS, scope_code="410202")


@pytest.fixture
def xf_edu(db: object) -> object:
    return RegulatorFactory.create(username="xf_edu", department=Department.EDUCATION, scope_code="410212")
