from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "shuangjian.funds"
    label = "funds"
    verbose_name = _("资金监管")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register
        from shuangjian.students import hooks

        from . import cards, enrolment_caps, permissions, release

        del cards, permissions  # imported for their side effects: dashboard figures, named permissions

        # A present attendance becomes a lesson-consumption request once the attendance has committed.
        hooks.on_attendance_recorded(release.on_attendance_recorded)
        # A new enrolment states a fee; the per-charge caps refuse it with the students rules' own violations.
        hooks.register_enrolment_check(enrolment_caps.check_enrolment_fee_caps)

        register(NavItem(_("我的课时费"), "funds:parent", order=60, permission="funds.view_own_payments"))
        register(NavItem(_("退费与释放"), "funds:institution", order=60, permission="funds.manage_institution_funds"))
        register(NavItem(_("指令与对账单"), "funds:bank", order=60, permission="funds.operate_bank"))
        register(NavItem(_("资金监管"), "funds:overview", order=398, permission="funds.supervise"))
        register(NavItem(_("消课异议与退费"), "funds:cases", order=399, permission="funds.supervise"))
        register(NavItem(_("银行对账"), "funds:reconcile", order=402, permission="funds.reconcile"))
