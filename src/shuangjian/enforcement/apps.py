from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "shuangjian.enforcement"
    label = "enforcement"
    verbose_name = _("执法检查")

    def ready(self) -> None:
        # --- plans and the random draw (双随机一公开), coverage and county statistics ---
        from shuangjian.core.nav import NavItem, register

        from . import (  # noqa: F401  (register the audit labels and the permissions)
            audit_labels,
            permissions,
            stats,
        )

        register(NavItem(_("抽查计划"), "enforcement:plan_list", order=400, permission="enforcement.view_plans"))
        register(NavItem(_("检查覆盖率"), "enforcement:coverage", order=410, permission="enforcement.view_coverage"))
        register(NavItem(_("执法统计"), "enforcement:statistics", order=420, permission="enforcement.view_statistics"))
