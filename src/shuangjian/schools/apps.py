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
        register(NavItem(_("课后服务"), "schools:afterschool", order=44, permission="schools.manage_afterschool"))
        register(NavItem(_("课后服务覆盖"), "schools:coverage", order=44, permission="schools.view_coverage"))
        register(NavItem(_("教师承诺书"), "schools:pledge_list", order=45, permission="schools.manage_pledges"))
        register(NavItem(_("在职教师线索"), "schools:case_list", order=46, permission="schools.view_cases"))
