"""Dashboard figures for the staff and schools apps (registered from StaffConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import is_county_staff, is_operator, is_school_admin
from shuangjian.schools.selectors import rosters_for_user

from .selectors import current_q, employments_for_user, flags_for_user


@register_cards
def staff_cards(user: User) -> list[Card]:
    if is_operator(user):
        n = employments_for_user(user).filter(current_q()).count()
        return [Card(_("在职从业人员"), n, reverse("staff:employment_list"))]
    if is_county_staff(user) or user.is_platform_admin:
        open_flags = flags_for_user(user).filter(resolved_at__isnull=True).count()
        return [
            Card(
                _("待处理从业问题"),
                open_flags,
                reverse("staff:flag_list"),
                _("在职中小学教师、限制从业人员在机构任职。"),
            )
        ]
    if is_school_admin(user):
        latest = rosters_for_user(user).filter(is_current=True).first()
        return [
            Card(
                _("在职教师名单人数"),
                latest.row_count if latest else 0,
                reverse("schools:roster_upload"),
                _("尚未上传") if latest is None else "",
            )
        ]
    return []
