"""Who may do what with courses, class groups, sessions, materials and guidance prices (see core/permissions.py).

The guidance price table is edited only at the level that owns it: the city's table by the city's
education regulators, a province's by the province's; county regulators of any department read it.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import User
from shuangjian.core.permissions import (
    is_education_department,
    is_operator,
    is_platform_admin,
    is_regulator,
    is_regulator_or_admin,
)


@rules.predicate
def owns_price_table(user: User, division_code: Any) -> bool:
    """The user's scope is the table's division itself (no code yet: the user's scope is a province or city,
    the levels that own tables)."""
    scope = getattr(user, "scope_code", "") or ""
    if division_code is None:
        return len(scope) in (2, 4)
    return isinstance(division_code, str) and scope == division_code


rules.add_perm("courses.view_courses", is_operator | is_regulator_or_admin)
rules.add_perm("courses.manage_courses", is_operator)
rules.add_perm("courses.review_materials", is_regulator_or_admin)
rules.add_perm("courses.handle_violations", is_regulator_or_admin)
rules.add_perm("courses.view_guidance_prices", is_regulator_or_admin)
rules.add_perm(
    "courses.set_guidance_price", is_platform_admin | (is_regulator & is_education_department & owns_price_table)
)
