from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "shuangjian.enforcement"
    label = "enforcement"
    verbose_name = _("执法检查")

    def ready(self) -> None:
        from . import audit_labels, permissions  # noqa: F401  (register the audit labels and the permissions)
