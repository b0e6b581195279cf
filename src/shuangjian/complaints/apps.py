from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "shuangjian.complaints"
    label = "complaints"
    verbose_name = _("群众举报")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register
        from shuangjian.enforcement.hooks import on_inspection_done

        from . import audit_labels, permissions  # noqa: F401  (register the audit labels and the permissions)
        from .services import reports_checked_by_inspection

        on_inspection_done(reports_checked_by_inspection)

        register(NavItem(_("群众举报"), "complaints:report_list", order=350, permission="complaints.view_reports"))
        register(NavItem(_("举报统计"), "complaints:statistics", order=360, permission="complaints.view_statistics"))
