from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "shuangjian.students"
    label = "students"
    verbose_name = _("学员")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register
        from shuangjian.courses import hooks as course_hooks

        from . import cards, permissions, services

        del cards, permissions  # imported for their side effects: dashboard figures, named permissions

        # A session may not put a pupil of its class group in two lessons at once (checked in courses' writes).
        course_hooks.register_session_check(services.student_session_conflicts)

        register(NavItem(_("我的孩子"), "students:my_children", order=20, permission="students.view_own_children"))
        register(NavItem(_("学员报名"), "students:enrolment_list", order=45, permission="students.view_enrolments"))
        register(NavItem(_("考勤"), "students:attendance_sessions", order=46, permission="students.manage_enrolments"))
