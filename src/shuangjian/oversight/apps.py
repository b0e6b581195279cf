from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "shuangjian.oversight"
    label = "oversight"
    verbose_name = _("督导评价")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import (  # noqa: F401  (register labels, indicators, bulletin figures and permissions)
            audit_labels,
            bulletins,
            indicators,
            permissions,
        )

        # Orders, evaluation and dashboards.
        register(NavItem(_("督导看板"), "oversight:dashboard", order=80, permission="oversight.view_dashboard"))
        register(NavItem(_("督办事项"), "oversight:order_list", order=81, permission="oversight.view_orders"))
        register(NavItem(_("一体评价"), "oversight:evaluation", order=82, permission="oversight.view_evaluation"))
        # Bulletins.
        register(NavItem(_("工作简报"), "oversight:bulletin_list", order=83, permission="oversight.view_bulletins"))
