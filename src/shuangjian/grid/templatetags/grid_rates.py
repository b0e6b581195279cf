"""``{% rate_rows rows %}``: the body rows of a rates table (``grid/_rate_table.html``).

A platform administrator's rates page lists every township of the province (~1 300 rows); through the template
engine each row cost ~1 ms of variable lookups and number formatting. Written here with ``format_html`` the cells
are the same (numbers localised as ``{{ value }}`` would show them, "—" when nothing was expected).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from shuangjian.grid.selectors import RateRow

register = template.Library()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{localize(value)}%"


@register.simple_tag
def rate_rows(rows: Iterable[RateRow]) -> SafeString:
    return format_html_join(
        "\n",
        '<tr><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td></tr>',
        (
            (
                r.name,
                localize(r.tally.expected),
                localize(r.tally.actual),
                localize(r.tally.on_time),
                _percent(r.reporting_percent),
                _percent(r.on_time_percent),
            )
            for r in rows
        ),
    ) or format_html("")
