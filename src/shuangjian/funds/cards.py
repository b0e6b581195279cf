"""Dashboard figures for the funds app (registered from FundsConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import is_operator, is_parent, is_regulator

from . import selectors
from .models import ConsumptionStatus, DiscrepancyStatus, RefundStatus


@register_cards
def funds_cards(user: User) -> list[Card]:
    if is_parent(user):
        pending = selectors.consumptions_for_parent(user).filter(status=ConsumptionStatus.PENDING).count()
        if not pending:
            return []
        return [Card(_("待确认课次"), pending, reverse("funds:parent"), _("确认后课时费划给机构；逾期自动确认。"))]
    if is_operator(user) and getattr(user, "operated", None) is not None:
        waiting = selectors.refunds_for_institution(user).filter(status=RefundStatus.APPLIED).count()
        return [Card(_("待答复退费"), waiting, reverse("funds:institution"))] if waiting else []
    if is_regulator(user):
        disputes = selectors.disputes_for_regulator(user).count()
        cases = selectors.discrepancies_for_user(user).filter(status=DiscrepancyStatus.OPEN).count()
        return [
            Card(_("待处理消课异议"), disputes, reverse("funds:cases")),
            Card(_("待处理对账差异"), cases, reverse("funds:reconcile")),
        ]
    return []
