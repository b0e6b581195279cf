"""Dashboard figures of the inspections area: the inspector's tasks today, the county's open and overdue
rectification notices, and the operator's notices awaiting an answer (registered from EnforcementConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import can

from . import inspection_selectors as sel
from .models import NoticeStatus


def inspection_cards(user: User) -> list[Card]:
    cards: list[Card] = []
    if can(user, "enforcement.view_my_tasks"):
        tasks = sel.my_tasks(user)
        cards.append(Card(_("今日检查任务"), len(tasks.today) + len(tasks.follow_ups), reverse("enforcement:my_tasks")))
    if can(user, "enforcement.view_notices") and not user.is_platform_admin:
        open_ = sel.notices_for_user(user).filter(status__in=(NoticeStatus.ISSUED, NoticeStatus.ANSWERED))
        url = reverse("enforcement:notice_list")
        cards.append(
            Card(_("逾期未整改"), open_.filter(deadline__lt=timezone.localdate()).count(), f"{url}?status=overdue")
        )
    if can(user, "enforcement.view_own_enforcement"):
        waiting = sel.own_notices(user).filter(status=NoticeStatus.ISSUED)
        first = waiting.order_by("deadline").first()
        note = _("最近期限 %(d)s") % {"d": first.deadline} if first else ""
        cards.append(Card(_("待整改通知"), waiting.count(), reverse("enforcement:my_notices"), note))
    return cards


register_cards(inspection_cards)
