"""Dashboard figures for the students app (registered from StudentsConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import is_operator, is_parent, is_regulator, is_school_admin

from .models import EnrolmentStatus
from .selectors import children_for_parent, enrolments_for_user, live_enrolments_figure


@register_cards
def students_cards(user: User) -> list[Card]:
    if is_parent(user):
        pending = enrolments_for_user(user).filter(status=EnrolmentStatus.PENDING).count()
        cards = [Card(_("已绑定孩子"), children_for_parent(user).count(), reverse("students:my_children"))]
        if pending:
            cards.append(
                Card(_("待确认合同"), pending, reverse("students:my_children"), _("请查看并在线确认培训合同。"))
            )
        return cards
    if (is_operator(user) or is_school_admin(user) or is_regulator(user)) or user.is_platform_admin:
        return [Card(_("在读报名"), live_enrolments_figure(user), reverse("students:enrolment_list"))]
    return []
