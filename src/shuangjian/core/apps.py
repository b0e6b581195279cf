from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shuangjian.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from . import audit_export, cards, exports, nav, permissions  # noqa: F401

        exports.discover_exports()
