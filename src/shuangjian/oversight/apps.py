from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "shuangjian.oversight"
    label = "oversight"
    verbose_name = _("督导考评")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        # --- bulletins ---
        from . import (  # noqa: F401  (register the permissions and audit labels)
            audit_labels,
            bulletins,
            permissions,
        )

        register(NavItem(_("工作简报"), "oversight:bulletin_list", order=80, permission="oversight.view_bulletins"))
