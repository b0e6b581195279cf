"""Who may do what in oversight (see core/permissions.py for how every layer asks).

Orders and measures go downwards: a city (or province) regulator issues them to the counties in its reach and a
county regulator answers the orders addressed to its county. Everyone regulating reads what is in their reach.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import User
from shuangjian.core.permissions import is_platform_admin, is_regulating_staff, is_regulator, object_in_scope

# A county's code has six digits; a reach shorter than that is a city's or a province's.
COUNTY_CODE_LENGTH = 6


@rules.predicate
def is_higher_level(user: User) -> bool:
    return bool(user.is_authenticated and 0 < len(getattr(user, "scope_code", "") or "") < COUNTY_CODE_LENGTH)


@rules.predicate
def is_addressed_county(user: User, obj: Any) -> bool:
    if obj is None:
        return True
    return (getattr(user, "scope_code", "") or "") == getattr(obj, "division_code", None)


issues_orders = is_platform_admin | (is_regulator & is_higher_level)

# Orders, measures, evaluation and dashboards.
rules.add_perm("oversight.view_dashboard", is_regulating_staff)
rules.add_perm("oversight.view_orders", is_regulating_staff)
rules.add_perm("oversight.issue_order", issues_orders & object_in_scope)
rules.add_perm("oversight.decide_order", issues_orders & object_in_scope)
rules.add_perm("oversight.reply_order", is_platform_admin | (is_regulator & is_addressed_county))
rules.add_perm("oversight.record_measure", issues_orders)
rules.add_perm("oversight.view_evaluation", is_regulating_staff)
rules.add_perm("oversight.compute_evaluation", issues_orders)

# Bulletins.
# Every regulating staff member reads the bulletins of their jurisdiction; a regulator (or the platform
# administrator) drafts, revises and publishes those of a division in their scope.
rules.add_perm("oversight.view_bulletins", is_regulating_staff)
rules.add_perm("oversight.draft_bulletin", is_regulator | is_platform_admin)
rules.add_perm("oversight.edit_bulletin", (is_regulator | is_platform_admin) & object_in_scope)
