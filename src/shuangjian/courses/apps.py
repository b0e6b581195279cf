from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "shuangjian.courses"
    label = "courses"
    verbose_name = _("课程")

    def ready(self) -> None:
        from shuangjian.core.models import Role
        from shuangjian.core.nav import NavItem, register

        from . import cards  # noqa: F401  (registers the dashboard figures)

        both = frozenset({Role.INSTITUTION_OPERATOR, Role.REGULATOR})
        operators = frozenset({Role.INSTITUTION_OPERATOR})
        regulators = frozenset({Role.REGULATOR})
        register(NavItem(_("课程"), "courses:course_list", both, order=40))
        register(NavItem(_("班级课次"), "courses:class_group_list", operators, order=41))
        register(NavItem(_("教材备案"), "courses:material_queue", regulators, order=42))
        register(NavItem(_("违规课程课次"), "courses:violation_list", regulators, order=43))
        register(NavItem(_("政府指导价"), "courses:guidance_prices", regulators, order=44))
