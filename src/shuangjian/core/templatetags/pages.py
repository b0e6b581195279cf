"""Numbered pagination for the shared partial (templates/partials/pagination.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

# Pages either side of the current one, and at each end; the rest is shown as "…".
AROUND, ENDS = 2, 1


@register.simple_tag
def page_numbers(page: Any) -> list[int | None]:
    """The page numbers to link (None: a gap). A list whose total was not counted in full (``is_capped``) offers
    no last page: its number would be a guess."""
    paginator = page.paginator
    current, last = page.number, paginator.num_pages
    capped = bool(getattr(paginator, "is_capped", False))
    wanted = set(range(1, min(ENDS, last) + 1))
    wanted |= set(range(max(1, current - AROUND), min(last, current + AROUND) + 1))
    if not capped:
        wanted |= set(range(max(1, last - ENDS + 1), last + 1))
    numbers: list[int | None] = []
    previous = 0
    for n in sorted(wanted):
        if n > previous + 1:
            numbers.append(None)
        numbers.append(n)
        previous = n
    if capped and previous < last:
        numbers.append(None)
    return numbers
