from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "shuangjian.students"
    label = "students"
    verbose_name = _("学员")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register
        from shuangjian.courses import hooks as course_hooks

        from . import cards, services

        del cards  # imported for its @register_cards side effect

        # A session may not put a pupil of its class group in two lessons at once (checked in courses' writes).
        course_hooks.register_session_check(services.student_session_conflicts)

        register(NavItem(_("我的孩子"), "students:my_children", frozenset({Role.PARENT}), order=20))
        register(
            NavItem(
                _("学员报名"),
                "students:enrolment_list",
                frozenset({Role.INSTITUTION_OPERATOR, Role.SCHOOL_ADMIN, Role.REGULATOR, Role.INSPECTOR}),
                order=45,
            )
        )
        register(NavItem(_("考勤"), "students:attendance_sessions", frozenset({Role.INSTITUTION_OPERATOR}), order=46))
