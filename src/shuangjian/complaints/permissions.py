"""Who may do what with public reports (see core/permissions.py). The public files and follows reports without
an account (by tracking code); county staff handle the reports of their county, city staff every county's."""

from __future__ import annotations

import rules

from shuangjian.core.permissions import is_platform_admin, is_regulating_staff, is_regulator, object_in_scope

rules.add_perm("complaints.view_reports", is_regulating_staff)
rules.add_perm("complaints.record_report", is_regulating_staff)
rules.add_perm("complaints.handle_report", is_platform_admin | (is_regulator & object_in_scope))
rules.add_perm("complaints.view_statistics", is_regulating_staff)
