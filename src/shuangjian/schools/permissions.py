"""Who may do what with schools' in-service teacher rosters (see core/permissions.py)."""

from __future__ import annotations

import rules

from shuangjian.core.permissions import is_platform_admin, is_regulating_staff, is_school_admin

rules.add_perm("schools.upload_rosters", is_school_admin | is_regulating_staff)
# Only a school answers for its own roster (platform administrators may load one for it).
rules.add_perm("schools.submit_roster", is_school_admin | is_platform_admin)
