from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "shuangjian.complaints"
    label = "complaints"
    verbose_name = _("群众举报")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import audit_labels, permissions  # noqa: F401  (register the audit labels and the permissions)

        register(NavItem(_("群众举报"), "complaints:report_list", order=400, permission="complaints.view_reports"))
        register(NavItem(_("举报统计"), "complaints:statistics", order=410, permission="complaints.view_statistics"))
