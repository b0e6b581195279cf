"""``{% rate_rows rows %}``: the body rows of a rates table (``grid/_rate_table.html``).

A platform administrator's rates page lists every township of the province (~1 300 rows); through the template
engine each row cost ~1 ms of variable lookups and number formatting. Written here the cells are the same (numbers
localised as ``{{ value }}`` would show them, "—" when nothing was expected, escaped as ``format_html`` escapes):
each distinct number is localised and escaped once per table — ~6 800 numbers of a province hold a few hundred
distinct values, and ``localize`` looks the language and three formats up on every call.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from shuangjian.grid.selectors import RateRow

register = template.Library()

_ROW = (
    '<tr><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
    '<td class="text-end">{}</td><td class="text-end">{}</td></tr>'
)


class _Cells:
    """Localised, escaped cell texts, remembered per value (the type is part of the key: 1 and 1.0 differ)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[type, float | None], str] = {}

    def number(self, value: int) -> str:
        key = (int, value)
        text = self._seen.get(key)
        if text is None:
            text = self._seen[key] = conditional_escape(localize(value))
        return text

    def percent(self, value: float | None) -> str:
        key = (float, value)
        text = self._seen.get(key)
        if text is None:
            text = self._seen[key] = conditional_escape("—" if value is None else f"{localize(value)}%")
        return text


@register.simple_tag
def rate_rows(rows: Iterable[RateRow]) -> SafeString:
    cells = _Cells()
    return mark_safe(  # noqa: S308 - every piece is escaped above or by conditional_escape here
        "\n".join(
            _ROW.format(
                conditional_escape(r.name),
                cells.number(r.tally.expected),
                cells.number(r.tally.actual),
                cells.number(r.tally.on_time),
                cells.percent(r.reporting_percent),
                cells.percent(r.on_time_percent),
            )
            for r in rows
        )
    )
