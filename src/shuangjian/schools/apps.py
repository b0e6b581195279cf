from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "shuangjian.schools"
    label = "schools"
    verbose_name = _("学校")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import permissions  # noqa: F401  (registers the named permissions)

        register(NavItem(_("在职教师名单"), "schools:roster_upload", order=43, permission="schools.upload_rosters"))
