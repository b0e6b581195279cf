"""Who may do what in oversight (see core/permissions.py for how every layer asks)."""

from __future__ import annotations

import rules

from shuangjian.core.permissions import is_platform_admin, is_regulating_staff, is_regulator, object_in_scope

# --- bulletins ---
# Every regulating staff member reads the bulletins of their jurisdiction; a regulator (or the platform
# administrator) drafts, revises and publishes those of a division in their scope.
rules.add_perm("oversight.view_bulletins", is_regulating_staff)
rules.add_perm("oversight.draft_bulletin", is_regulator | is_platform_admin)
rules.add_perm("oversight.edit_bulletin", (is_regulator | is_platform_admin) & object_in_scope)
