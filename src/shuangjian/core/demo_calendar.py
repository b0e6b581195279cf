"""Demo: Kaifeng's school winter and summer vacations for 2025 and 2026 (illustrative dates, marked as such)."""

from __future__ import annotations

import datetime

from .calendar_services import school_vacation_set
from .demo import DemoContext, register_demo_step
from .models import User, VacationKind

# Plausible Henan dates for the demo only; a bureau enters its published school calendar instead.
DEMO_VACATIONS = (
    (VacationKind.WINTER, datetime.date(2025, 1, 18), datetime.date(2025, 2, 16)),
    (VacationKind.SUMMER, datetime.date(2025, 7, 5), datetime.date(2025, 8, 31)),
    (VacationKind.WINTER, datetime.date(2026, 1, 24), datetime.date(2026, 2, 28)),
    (VacationKind.SUMMER, datetime.date(2026, 7, 4), datetime.date(2026, 8, 31)),
)
DEMO_NOTE = "演示数据（非官方校历）"


@register_demo_step(2, "core.calendar")
def demo_calendar(ctx: DemoContext) -> None:
    actor = User.objects.filter(username="admin").first()
    for kind, start, end in DEMO_VACATIONS:
        school_vacation_set(actor=actor, division_code=ctx.city_code, kind=kind, start=start, end=end, note=DEMO_NOTE)
    ctx.log(f"寒暑假：{ctx.city_code} 2025、2026年寒暑假（演示数据）")
