"""Who may do what with students, enrolments, contracts and attendance (see core/permissions.py).

A parent reaches only their own children (the selectors bind the rows); an institution operator enrols and
takes attendance for its institution; schools and county staff read the enrolments of their area.
"""

from __future__ import annotations

import rules

from shuangjian.core.permissions import is_operator, is_parent, is_regulating_staff, is_school_admin

rules.add_perm("students.view_own_children", is_parent)
rules.add_perm("students.manage_enrolments", is_operator)
rules.add_perm("students.view_enrolments", is_operator | is_school_admin | is_regulating_staff)
rules.add_perm("students.view_enrolment", is_operator | is_school_admin | is_regulating_staff | is_parent)
