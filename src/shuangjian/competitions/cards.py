"""Dashboard figures for the competitions app (registered from CompetitionsConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import can

from .models import CompetitionStatus
from .selectors import CompetitionFilters, competitions_for_user


@register_cards
def competitions_cards(user: User) -> list[Card]:
    # Reviewers only: the figure is their queue (an operator's filings show on its own list).
    if not can(user, "competitions.review_competition") or not can(user, "competitions.view_competitions"):
        return []
    waiting = competitions_for_user(user, CompetitionFilters(status=CompetitionStatus.SUBMITTED)).count()
    return [
        Card(
            _("待审核竞赛备案"),
            waiting,
            reverse("competitions:list") + f"?status={CompetitionStatus.SUBMITTED}",
            _("面向中小学生的竞赛活动备案申请"),
        )
    ]
