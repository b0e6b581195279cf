from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "shuangjian.courses"
    label = "courses"
    verbose_name = _("课程")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register

        from . import cards, permissions  # noqa: F401  (register the dashboard figures and the permissions)

        register(NavItem(_("课程"), "courses:course_list", order=40, permission="courses.view_courses"))
        register(NavItem(_("班级课次"), "courses:class_group_list", order=41, permission="courses.manage_courses"))
        register(NavItem(_("教材备案"), "courses:material_queue", order=42, permission="courses.review_materials"))
        register(NavItem(_("违规课程课次"), "courses:violation_list", order=43, permission="courses.handle_violations"))
        register(
            NavItem(_("政府指导价"), "courses:guidance_prices", order=44, permission="courses.view_guidance_prices")
        )
