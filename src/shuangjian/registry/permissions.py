"""Who may do what in the registry (see core/permissions.py for how views, services, templates and menus ask).

Write actions on an institution follow the department that licenses it: a sports bureau acts on a
sports institution, never on an education-licensed school; every department of the county may still read.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import Department, User
from shuangjian.core.permissions import (
    is_education_department,
    is_operator,
    is_platform_admin,
    is_regulating_staff,
    is_regulator,
    is_regulator_or_admin,
    object_in_scope,
    same_department,
)

from .models import APPROVING_DEPARTMENT, Category


def licensing_department(institution: Any) -> str:
    """The department that licensed (or would license) the institution. An unlicensed operation has none on
    record: it falls to its category's department, and to education — which leads the work — when unknown."""
    if getattr(institution, "approving_department", ""):
        return str(institution.approving_department)
    key = Category.SUBJECT.value if institution.category == Category.SUBJECT else institution.field
    return str(APPROVING_DEPARTMENT.get(key, Department.EDUCATION))


licenses_it = same_department(licensing_department)

# Regulators of the county and of the licensing department; platform administrators anywhere.
regulates_institution = is_platform_admin | (is_regulator & object_in_scope & licenses_it)


@rules.predicate
def is_own_institution(user: User, obj: Any) -> bool:
    if obj is None:
        return True
    link = getattr(user, "operated", None)
    return link is not None and link.institution_id == obj.pk


rules.add_perm("registry.view_institutions", is_regulating_staff)
rules.add_perm("registry.view_institution", is_regulating_staff | is_operator)
rules.add_perm("registry.export_institutions", is_regulating_staff)
rules.add_perm("registry.view_zombies", is_regulating_staff)
for _action in (
    "change_institution_status",
    "deregister_institution",
    "blacklist_institution",
    "lift_institution_blacklist",
    "record_annual_inspection",
):
    rules.add_perm(f"registry.{_action}", regulates_institution)
rules.add_perm("registry.review_applications", is_regulator_or_admin)
rules.add_perm("registry.view_application", is_regulator_or_admin | is_operator)
rules.add_perm("registry.decide_application", is_regulator & same_department(lambda app: app.department))
rules.add_perm("registry.import_survey", is_regulator_or_admin)
rules.add_perm("registry.view_jobs", is_regulator_or_admin)
rules.add_perm("registry.view_lists", is_regulating_staff)
rules.add_perm("registry.view_publications", is_regulator_or_admin)
# The lists are the education bureau's to publish (Shanxi seed; RULES.md): other departments read them.
rules.add_perm("registry.publish_lists", is_platform_admin | (is_regulator & is_education_department))
# An operator's own pages: platform administrators run no institution, so these would only 404 for them.
rules.add_perm("registry.manage_own_institution", is_operator & is_own_institution)
rules.add_perm("registry.apply_for_licence", is_operator)
