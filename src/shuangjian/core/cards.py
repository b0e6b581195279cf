"""Core's dashboard cards (registered from CoreConfig.ready)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .calendar import holidays_entered_for
from .models import User
from .nav import Card, register_cards


def next_year() -> int:
    return timezone.localdate().year + 1


def next_year_holidays_missing_message() -> str | None:
    """The warning shown to platform administrators while next year's statutory holidays are unknown, else None."""
    year = next_year()
    if holidays_entered_for(year):
        return None
    return _(
        "下一年度（%(year)s）的法定节假日尚未录入：国务院办公厅公布放假安排后，请在“节假日设置”中录入放假日和调休上班日；"
        "录入前该年度只按周六、周日计算休息日。"
    ) % {"year": year}


@register_cards
def calendar_cards(user: User) -> list[Card]:
    if not user.is_platform_admin:
        return []
    message = next_year_holidays_missing_message()
    if message is None:
        return []
    try:
        url = reverse("admin:core_calendarday_changelist")
    except NoReverseMatch:
        url = ""
    return [
        Card(
            title=_("节假日设置"),
            value=_("%(year)s年未录入") % {"year": next_year()},
            url=url,
            note=message,
        )
    ]
