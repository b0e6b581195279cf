from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "shuangjian.enforcement"
    label = "enforcement"
    verbose_name = _("执法检查")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register
        from shuangjian.registry.hooks import on_institutions_changed
        from shuangjian.schools.hooks import register_inservice_case_listener

        from . import (  # noqa: F401  (register the audit labels, the permissions, figures and statistics)
            audit_labels,
            inspection_cards,
            permissions,
            stats,
            stats_areas,
        )
        from .coverage import sync_institutions
        from .services import inspection_lead_from_roster_case

        register_inservice_case_listener(inspection_lead_from_roster_case)
        # An institution's status or county moved: keep the per-county coverage figures up to date.
        on_institutions_changed(sync_institutions)

        # Inspections area menu.
        register(NavItem(_("我的任务"), "enforcement:my_tasks", order=300, permission="enforcement.view_my_tasks"))
        register(
            NavItem(_("检查记录"), "enforcement:inspection_list", order=310, permission="enforcement.view_inspections")
        )
        register(NavItem(_("整改通知"), "enforcement:notice_list", order=320, permission="enforcement.view_notices"))
        register(NavItem(_("违规广告"), "enforcement:ad_list", order=330, permission="enforcement.view_ads"))
        register(
            NavItem(_("整改通知"), "enforcement:my_notices", order=300, permission="enforcement.view_own_enforcement")
        )
        # Plans and the random draw (双随机一公开), coverage and county statistics.
        register(NavItem(_("抽查计划"), "enforcement:plan_list", order=400, permission="enforcement.view_plans"))
        register(NavItem(_("检查覆盖率"), "enforcement:coverage", order=410, permission="enforcement.view_coverage"))
        register(NavItem(_("执法统计"), "enforcement:statistics", order=420, permission="enforcement.view_statistics"))
        # Penalty cases.
        register(NavItem(_("处罚案件"), "enforcement:case_list", order=520, permission="enforcement.view_cases"))
        register(
            NavItem(_("我的处罚案件"), "enforcement:my_cases", order=520, permission="enforcement.view_own_enforcement")
        )
