"""Who may do what with prepaid funds (see core/permissions.py for how every layer asks).

Parents see and confirm their own children's money; an institution operator answers its refunds; a custody
bank's operator works its own bank's instructions and statements; regulators (and platform administrators)
supervise their county. Rows are further limited by the selectors (own child, own institution, own bank, scope).
"""

from __future__ import annotations

import rules

from shuangjian.core.permissions import (
    is_bank_operator,
    is_inspector,
    is_operator,
    is_parent,
    is_platform_admin,
    is_regulator_or_admin,
)

rules.add_perm("funds.view_own_payments", is_parent)
# Platform administrators run no institution: the page would be empty for them and its actions 404.
rules.add_perm("funds.manage_institution_funds", is_operator)
rules.add_perm("funds.operate_bank", is_bank_operator | is_platform_admin)  # admins: every bank
rules.add_perm("funds.reconcile", is_regulator_or_admin | is_bank_operator)
rules.add_perm("funds.resolve_discrepancy", is_regulator_or_admin)
rules.add_perm("funds.supervise", is_regulator_or_admin)
# A payment order is a family's private money matter: fund regulators, law enforcement (illegal charging cases)
# and the custody bank (its own bank only) see them in their reach; school administrators and grid officers none.
rules.add_perm("funds.view_payment_orders", is_regulator_or_admin | is_inspector | is_bank_operator)
rules.add_perm("funds.manage_banks", is_platform_admin)
