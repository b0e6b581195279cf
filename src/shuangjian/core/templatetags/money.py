"""``{% load money %}{{ amount_fen|yuan }}`` → ``1,234.50``; ``{{ amount_fen|yuan:"¥" }}`` → ``¥1,234.50``."""

from __future__ import annotations

from django import template

from ..money import format_fen

register = template.Library()


@register.filter(name="yuan")
def yuan(value: object, arg: str = "") -> str:
    """Fen shown as yuan; empty for None or anything that is not a whole number of fen (templates must not fail)."""
    if value is None or value == "" or isinstance(value, bool):
        return ""
    if isinstance(value, int):
        fen = value
    else:
        try:
            fen = int(str(value))
        except ValueError:
            return ""
    return format_fen(fen, symbol=bool(arg))
