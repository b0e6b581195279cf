"""Who may do what in enforcement (see core/permissions.py for how views, services, templates and menus ask).

Inspectors and regulators act on subjects in their county; an institution's operator sees only what concerns
its own institution; grid officers may raise a lead (线索) for an inspection.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import User
from shuangjian.core.permissions import (
    is_grid_officer,
    is_inspector,
    is_operator,
    is_platform_admin,
    is_regulating_staff,
    is_regulator,
    is_regulator_or_admin,
    object_in_scope,
    same_department,
)


@rules.predicate
def concerns_own_institution(user: User, obj: Any) -> bool:
    """The record concerns the operator's own institution (no object: nothing to restrict yet)."""
    if obj is None:
        return True
    link = getattr(user, "operated", None)
    return link is not None and getattr(obj, "institution_id", None) == link.institution_id


is_field_staff = is_inspector | is_regulator
raises_leads = is_field_staff | is_grid_officer

rules.add_perm("enforcement.view_inspections", is_regulating_staff)
rules.add_perm("enforcement.record_inspection", is_platform_admin | (is_field_staff & object_in_scope))
rules.add_perm("enforcement.create_lead", is_platform_admin | (raises_leads & object_in_scope))
rules.add_perm("enforcement.view_unlicensed", is_regulating_staff)
rules.add_perm("enforcement.record_unlicensed", is_platform_admin | (raises_leads & object_in_scope))
rules.add_perm("enforcement.view_own_enforcement", is_operator & concerns_own_institution)

# --- Inspections area: checklist inspections, evidence, rectification notices, summons, signs and ads ---------
rules.add_perm("enforcement.view_my_tasks", is_field_staff)
rules.add_perm("enforcement.view_notices", is_regulating_staff)
rules.add_perm("enforcement.issue_notice", is_platform_admin | (is_field_staff & object_in_scope))
rules.add_perm("enforcement.follow_up_notice", is_platform_admin | (is_field_staff & object_in_scope))
rules.add_perm("enforcement.escalate_notice", is_platform_admin | (is_regulator & object_in_scope))
rules.add_perm("enforcement.record_summons", is_platform_admin | (is_field_staff & object_in_scope))
rules.add_perm("enforcement.answer_notice", is_operator & concerns_own_institution)
rules.add_perm("enforcement.view_ads", is_regulating_staff)
rules.add_perm("enforcement.record_ad", is_platform_admin | (is_field_staff & object_in_scope))
# Evidence photos: staff of the county, or the operator of the institution concerned (checked on the row).
rules.add_perm("enforcement.view_evidence", is_regulating_staff | is_operator)
# --- plans and the random draw (双随机一公开), coverage and county statistics ---
of_plan_department = same_department(lambda plan: plan.department)
rules.add_perm("enforcement.view_plans", is_regulating_staff)
rules.add_perm("enforcement.manage_plans", is_platform_admin | (is_regulator & object_in_scope & of_plan_department))
rules.add_perm("enforcement.declare_conflict", is_platform_admin | (is_regulator & object_in_scope))
rules.add_perm("enforcement.view_coverage", is_regulating_staff)
rules.add_perm("enforcement.view_statistics", is_regulator_or_admin)
