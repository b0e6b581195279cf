from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "shuangjian.staff"
    label = "staff"
    verbose_name = _("从业人员")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register
        from shuangjian.registry.hooks import register_barred_person_check

        from . import cards  # noqa: F401
        from .selectors import active_blacklist_ids

        # A person barred from training work (限制从业) cannot found an institution either (registry asks).
        register_barred_person_check(lambda rid, day: bool(active_blacklist_ids([rid], day)))

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
