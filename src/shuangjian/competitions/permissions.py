"""Who may do what with competition filings (see core/permissions.py for how every layer asks).

Filings are the education bureau's (RULES.md Competitions: 教育部《面向中小学生的全国性竞赛活动管理办法》): a city or
county education regulator reviews those of its jurisdiction; every regulating department of the county reads them.
An operator applies for its own institution and sees only that institution's filings.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import User
from shuangjian.core.permissions import (
    is_education_department,
    is_operator,
    is_platform_admin,
    is_regulating_staff,
    is_regulator,
    object_in_scope,
)


@rules.predicate
def is_own_filing(user: User, obj: Any) -> bool:
    if obj is None:
        return True
    link = getattr(user, "operated", None)
    return link is not None and getattr(obj, "organiser_institution_id", None) == link.institution_id


is_education_regulator = is_regulator & is_education_department
reviews_competitions = is_platform_admin | (is_education_regulator & object_in_scope)

# Lists and the filing page: county staff in scope, an operator for its own institution's filings.
rules.add_perm("competitions.view_competitions", is_regulating_staff | is_operator)
rules.add_perm("competitions.export_competitions", is_regulating_staff)
rules.add_perm("competitions.review_competition", reviews_competitions)
# An operator applies for its institution; an education bureau records an application it received on paper
# (an association has no account on the platform).
rules.add_perm("competitions.apply", (is_operator & is_own_filing) | reviews_competitions)
rules.add_perm("competitions.view_findings", is_regulating_staff)
rules.add_perm("competitions.record_finding", is_regulating_staff & object_in_scope)
