from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "shuangjian.portal"
    label = "portal"
    verbose_name = _("公众服务")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import audit_labels, permissions  # noqa: F401  (register the audit labels and the permissions)

        register(NavItem(_("门户内容"), "content:article_list", order=800, permission="portal.manage_content"))
