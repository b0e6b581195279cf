"""Who may write the portal's content (see core/permissions.py for how views, services and templates ask).

The portal is the education bureau's (it leads the 双减 work and publishes the lists, RULES.md): its
regulators write for their own division — a county's for the county, the city's for the city — and read what
the divisions under them wrote; platform administrators write for any division.
"""

from __future__ import annotations

from typing import Any

import rules

from shuangjian.core.models import User
from shuangjian.core.permissions import is_education_department, is_platform_admin, is_regulator


@rules.predicate
def writes_for_division(user: User, obj: Any) -> bool:
    """The object belongs to exactly the user's own division (no object: nothing to compare yet)."""
    if obj is None:
        return True
    code = getattr(obj, "division_code", None)
    return bool(user.scope_code) and code == user.scope_code


is_portal_editor = is_platform_admin | (is_regulator & is_education_department)

rules.add_perm("portal.manage_content", is_portal_editor)
rules.add_perm("portal.change_article", is_platform_admin | (is_portal_editor & writes_for_division))
rules.add_perm("portal.manage_contacts", is_portal_editor)
rules.add_perm("portal.change_contact", is_platform_admin | (is_portal_editor & writes_for_division))
