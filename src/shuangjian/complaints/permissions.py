"""Who may do what with public reports (see core/permissions.py). The public files and follows reports without
an account (by tracking code); county staff handle the reports of their county, city staff every county's."""

from __future__ import annotations

import rules

from shuangjian.core.permissions import (
    is_grid_officer,
    is_platform_admin,
    is_regulating_staff,
    is_regulator,
    object_in_scope,
)

rules.add_perm("complaints.view_reports", is_regulating_staff)
rules.add_perm("complaints.record_report", is_regulating_staff)
# A report raised from a record already on the platform (a grid finding): the app that owns the record checks
# who may raise it from that record (grid.report_finding); this only says who may raise such reports at all.
rules.add_perm("complaints.record_source_report", is_regulating_staff | is_grid_officer)
rules.add_perm("complaints.handle_report", is_platform_admin | (is_regulator & object_in_scope))
rules.add_perm("complaints.view_statistics", is_regulating_staff)
