from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "shuangjian.oversight"
    label = "oversight"
    verbose_name = _("督导考评")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import audit_labels, permissions  # noqa: F401  (register the permissions and audit labels)

        # --- bulletins ---
        from . import bulletins  # noqa: F401  (register the bulletin figures)

        register(NavItem(_("工作简报"), "oversight:bulletin_list", order=80, permission="oversight.view_bulletins"))
