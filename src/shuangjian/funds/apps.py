from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "shuangjian.funds"
    label = "funds"
    verbose_name = _("资金监管")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register
        from shuangjian.students import hooks

        from . import cards, enrolment_caps, release

        del cards  # imported for its @register_cards side effect

        # A present attendance becomes a lesson-consumption request once the attendance has committed.
        hooks.on_attendance_recorded(release.on_attendance_recorded)
        # A new enrolment states a fee; the per-charge caps refuse it with the students rules' own violations.
        hooks.register_enrolment_check(enrolment_caps.check_enrolment_fee_caps)

        register(NavItem(_("我的课时费"), "funds:parent", frozenset({Role.PARENT}), order=60))
        register(NavItem(_("退费与释放"), "funds:institution", frozenset({Role.INSTITUTION_OPERATOR}), order=60))
        register(NavItem(_("指令与对账单"), "funds:bank", frozenset({Role.BANK_OPERATOR}), order=60))
        register(NavItem(_("资金监管"), "funds:overview", frozenset({Role.REGULATOR}), order=398))
        register(NavItem(_("消课异议与退费"), "funds:cases", frozenset({Role.REGULATOR}), order=399))
        register(NavItem(_("银行对账"), "funds:reconcile", frozenset({Role.REGULATOR, Role.BANK_OPERATOR}), order=402))
