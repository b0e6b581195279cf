"""Dashboard figures for the courses app (registered from CoursesConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import is_operator, is_regulator

from .models import FilingStatus
from .selectors import courses_for_user, materials_queue_for_user, violations_for_user


@register_cards
def courses_cards(user: User) -> list[Card]:
    if is_operator(user):
        return [
            Card(_("在售课程"), courses_for_user(user).filter(is_active=True).count(), reverse("courses:course_list"))
        ]
    if is_regulator(user) or user.is_platform_admin:
        return [
            Card(
                _("违规课程课次"),
                violations_for_user(user).count(),
                reverse("courses:violation_list"),
                _("扫描发现、尚未消除的违规记录"),
            ),
            Card(
                _("待审教材讲义"),
                materials_queue_for_user(user, status=FilingStatus.PENDING).count(),
                reverse("courses:material_queue"),
            ),
        ]
    return []
