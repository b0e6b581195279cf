"""Registry figures on the dashboard (registered from RegistryConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.nav import Card, register_cards
from shuangjian.core.permissions import can

from . import selectors


def registry_cards(user: User) -> list[Card]:
    if can(user, "registry.review_applications") and not user.is_platform_admin:
        figures = selectors.regulator_figures(user=user)
        queue = reverse("registry:application_queue")
        return [
            Card(_("在册机构"), figures["institutions"], reverse("registry:institution_list")),
            Card(_("待办审批"), figures["pending"], queue),
            Card(_("超期审批"), figures["overdue"], f"{queue}?overdue=1"),
            Card(_("僵尸机构"), figures["zombies"], reverse("registry:zombies")),
        ]
    if can(user, "registry.apply_for_licence"):
        inst = selectors.my_institution(user=user)
        if inst is None:
            return [Card(_("办学许可"), _("尚未申请"), reverse("registry:apply"))]
        note = ""
        if inst.licence_expires_on:
            days = (inst.licence_expires_on - timezone.localdate()).days
            note = _("许可证有效期至 %(d)s（剩余 %(n)d 天）") % {"d": inst.licence_expires_on, "n": days}
        return [Card(_("机构状态"), inst.get_status_display(), reverse("registry:my_institution"), note)]
    return []


register_cards(registry_cards)
