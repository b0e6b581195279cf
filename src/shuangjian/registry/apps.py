from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shuangjian.registry"
    label = "registry"
    verbose_name = _("机构")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import cards, permissions  # noqa: F401  (register the dashboard figures and the permissions)

        register(
            NavItem(_("机构名录"), "registry:institution_list", order=200, permission="registry.view_institutions")
        )
        register(NavItem(_("审批"), "registry:application_queue", order=210, permission="registry.review_applications"))
        register(NavItem(_("僵尸机构"), "registry:zombies", order=220, permission="registry.view_zombies"))
        register(
            NavItem(_("我的机构"), "registry:my_institution", order=200, permission="registry.manage_own_institution")
        )
        register(NavItem(_("办学许可申请"), "registry:apply", order=210, permission="registry.apply_for_licence"))
