from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "shuangjian.staff"
    label = "staff"
    verbose_name = _("从业人员")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import cards, permissions  # noqa: F401  (register the dashboard figures and the permissions)

        register(NavItem(_("从业人员"), "staff:employment_list", order=40, permission="staff.view_employments"))
        register(NavItem(_("从业问题"), "staff:flag_list", order=41, permission="staff.view_flags"))
        register(NavItem(_("限制从业"), "staff:blacklist", order=42, permission="staff.view_people_blacklist"))
