"""Who may do what with people, employments, flags and the people black list (see core/permissions.py)."""

from __future__ import annotations

import rules

from shuangjian.core.permissions import is_operator, is_platform_admin, is_regulating_staff, is_regulator_or_admin

rules.add_perm("staff.view_employments", is_operator | is_regulating_staff)
rules.add_perm("staff.manage_employments", is_operator)
# People are recorded when an institution hires them; platform administrators correct records.
rules.add_perm("staff.write_people", is_operator | is_platform_admin)
rules.add_perm("staff.view_flags", is_regulating_staff)
rules.add_perm("staff.resolve_flags", is_regulator_or_admin)
rules.add_perm("staff.view_people_blacklist", is_regulating_staff)
rules.add_perm("staff.manage_people_blacklist", is_regulator_or_admin)
