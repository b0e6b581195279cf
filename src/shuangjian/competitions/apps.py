from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "shuangjian.competitions"
    label = "competitions"
    verbose_name = _("竞赛活动")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import cards, permissions  # noqa: F401  (register the dashboard figures and the permissions)

        register(NavItem(_("竞赛活动备案"), "competitions:list", order=46, permission="competitions.view_competitions"))
        register(
            NavItem(_("未备案竞赛查处"), "competitions:finding_list", order=47, permission="competitions.view_findings")
        )
