from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "shuangjian.enforcement"
    label = "enforcement"
    verbose_name = _("执法检查")

    def ready(self) -> None:
        # Penalty cases (cases area)
        from shuangjian.core.nav import NavItem, register

        from . import audit_labels, permissions  # noqa: F401  (register the audit labels and the permissions)

        register(NavItem(_("处罚案件"), "enforcement:case_list", order=520, permission="enforcement.view_cases"))
        register(
            NavItem(_("我的处罚案件"), "enforcement:my_cases", order=520, permission="enforcement.view_own_enforcement")
        )
