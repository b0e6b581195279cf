"""Who may do what with grid reports (see core/permissions.py for how every layer asks).

A grid officer files the daily reports of the cells assigned to them and sees those cells' institutions; the
county's regulating staff read the reports and the reporting rates of their jurisdiction.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import User
from shuangjian.core.permissions import is_grid_officer, is_regulating_staff, is_regulator_or_admin, object_in_scope


@rules.predicate
def is_own_report(user: User, obj: Any) -> bool:
    """The report (or a finding on it) is the officer's own (no object: nothing to restrict yet)."""
    if obj is None:
        return True
    report = getattr(obj, "report", obj)
    return getattr(report, "officer_id", None) == user.pk


rules.add_perm("grid.file_report", is_grid_officer)
rules.add_perm("grid.view_reports", is_grid_officer | is_regulating_staff)
rules.add_perm("grid.view_rates", is_regulating_staff)
rules.add_perm("grid.raise_lead", (is_grid_officer & is_own_report) | (is_regulating_staff & object_in_scope))
# Only the officer who filed a finding adds its photo afterwards (an app uploads it after the report).
rules.add_perm("grid.attach_photo", is_grid_officer & is_own_report)
# A finding becomes a public-report case: the officer for findings in their own cells, county staff in scope.
rules.add_perm("grid.report_finding", (is_grid_officer | is_regulating_staff) & object_in_scope)
# Township and county regulators assign their grid officers to cells (cells in their reach: services check).
rules.add_perm("grid.assign_officers", is_regulator_or_admin)
