"""Every hook a lower app offers is registered by the app above it (in its AppConfig.ready()).

The behaviour each hook brings is tested in the registering app's tests (staff: roster flags; students: session
clashes; funds: lesson consumption); this list is the map docs/architecture.md shows.
"""

from __future__ import annotations

from shuangjian.complaints import hooks as complaint_hooks
from shuangjian.complaints import services as complaint_services
from shuangjian.courses import hooks as course_hooks
from shuangjian.enforcement import hooks as enforcement_hooks
from shuangjian.enforcement import services as enforcement_services
from shuangjian.grid.links import finding_link
from shuangjian.schools import hooks as school_hooks
from shuangjian.staff import services as staff_services
from shuangjian.students import hooks as student_hooks
from shuangjian.students import services as student_services


def test_each_offered_hook_has_its_registration() -> None:
    assert staff_services.flag_rostered_employments in school_hooks.roster_callbacks()
    assert student_services.student_session_conflicts in course_hooks.session_checks()
    # Named by module, not function, so the funds package can rearrange its modules freely.
    assert any(cb.__module__.startswith("shuangjian.funds.") for cb in student_hooks.attendance_callbacks())
    assert enforcement_services.inspection_lead_from_roster_case in school_hooks.inservice_case_listeners()
    assert complaint_services.reports_checked_by_inspection in enforcement_hooks.inspection_done_callbacks()
    assert complaint_hooks.registered_sources().get("grid.finding") is finding_link
