"""Who may do what with schools' rosters, after-school service, pledges and in-service cases (core/permissions.py)."""

from __future__ import annotations

import rules

from shuangjian.core.permissions import is_county_staff, is_platform_admin, is_regulating_staff, is_school_admin

rules.add_perm("schools.upload_rosters", is_school_admin | is_regulating_staff)
# Only a school answers for its own roster (platform administrators may load one for it).
rules.add_perm("schools.submit_roster", is_school_admin | is_platform_admin)
# A school enters its own after-school plan and classes; regulators read coverage of their jurisdiction.
rules.add_perm("schools.manage_afterschool", is_school_admin)
# The writes themselves: a school for itself, or a platform administrator entering data on its behalf.
rules.add_perm("schools.submit_afterschool", is_school_admin | is_platform_admin)
rules.add_perm("schools.view_coverage", is_regulating_staff)
rules.add_perm("schools.manage_pledges", is_school_admin)
# In-service cases: the school sees and answers its own; county staff see theirs and record the outcome.
rules.add_perm("schools.view_cases", is_school_admin | is_regulating_staff)
rules.add_perm("schools.answer_cases", is_school_admin)
rules.add_perm("schools.decide_cases", is_county_staff | is_platform_admin)
