from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "shuangjian.staff"
    label = "staff"
    verbose_name = _("从业人员")

    def ready(self) -> None:
        from shuangjian.core.nav import NavItem, register
        from shuangjian.registry.hooks import register_barred_person_check
        from shuangjian.schools import hooks as school_hooks

        from . import cards, permissions, services
        from .selectors import active_blacklist_ids

        # A person barred from training work (限制从业) cannot found an institution either (registry asks).
        register_barred_person_check(lambda rid, day: bool(active_blacklist_ids([rid], day)))

        del cards, permissions  # imported for their side effects: dashboard figures, named permissions

        # A school's new roster flags current employments of its teachers, in the upload's transaction.
        school_hooks.on_roster_uploaded(services.flag_rostered_employments)

        register(NavItem(_("从业人员"), "staff:employment_list", order=40, permission="staff.view_employments"))
        register(NavItem(_("从业问题"), "staff:flag_list", order=41, permission="staff.view_flags"))
        register(NavItem(_("限制从业"), "staff:blacklist", order=42, permission="staff.view_people_blacklist"))
