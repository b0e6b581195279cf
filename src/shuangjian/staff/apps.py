from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "shuangjian.staff"
    label = "staff"
    verbose_name = _("从业人员")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register
        from shuangjian.schools import hooks as school_hooks

        from . import cards, services

        del cards  # imported for its @register_cards side effect

        # A school's new roster flags current employments of its teachers, in the upload's transaction.
        school_hooks.on_roster_uploaded(services.flag_rostered_employments)

        register(
            NavItem(
                _("从业人员"),
                "staff:employment_list",
                frozenset({Role.INSTITUTION_OPERATOR, Role.REGULATOR, Role.INSPECTOR}),
                order=40,
            )
        )
        register(NavItem(_("从业问题"), "staff:flag_list", frozenset({Role.REGULATOR, Role.INSPECTOR}), order=41))
        register(NavItem(_("限制从业"), "staff:blacklist", frozenset({Role.REGULATOR, Role.INSPECTOR}), order=42))
