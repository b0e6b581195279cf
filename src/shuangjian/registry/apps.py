from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shuangjian.registry"
    label = "registry"
    verbose_name = _("机构")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register

        from . import cards  # noqa: F401  (registers the dashboard figures)

        staff = frozenset({Role.REGULATOR, Role.INSPECTOR})
        register(NavItem(_("机构名录"), "registry:institution_list", staff, order=200))
        register(NavItem(_("审批"), "registry:application_queue", frozenset({Role.REGULATOR}), order=210))
        register(NavItem(_("僵尸机构"), "registry:zombies", staff, order=220))
        operator = frozenset({Role.INSTITUTION_OPERATOR})
        register(NavItem(_("我的机构"), "registry:my_institution", operator, order=200))
        register(NavItem(_("办学许可申请"), "registry:apply", operator, order=210))
