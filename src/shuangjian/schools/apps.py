from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "shuangjian.schools"
    label = "schools"
    verbose_name = _("学校")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register

        register(
            NavItem(
                _("在职教师名单"),
                "schools:roster_upload",
                frozenset({Role.SCHOOL_ADMIN, Role.REGULATOR, Role.INSPECTOR}),
                order=43,
            )
        )
