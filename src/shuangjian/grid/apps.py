from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "shuangjian.grid"
    label = "grid"
    verbose_name = _("网格化管理")

    def ready(self) -> None:
        from shuangjian.complaints.hooks import register_source
        from shuangjian.core.nav import NavItem, register

        from . import audit_labels, permissions  # noqa: F401  (register the audit labels and the permissions)
        from .links import finding_link
        from .services import FINDING_SOURCE

        # The report staff page links back to the finding it was raised from.
        register_source(FINDING_SOURCE, finding_link)

        register(NavItem(_("网格日报"), "grid:home", order=48, permission="grid.file_report"))
        register(NavItem(_("网格上报统计"), "grid:rates", order=49, permission="grid.view_rates"))
        register(NavItem(_("网格员分配"), "grid:assignments", order=50, permission="grid.assign_officers"))
