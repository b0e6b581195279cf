"""``{{ code|division_name }}`` → 龙亭区 (a template builtin: no ``{% load %}`` needed)."""

from __future__ import annotations

from django import template

from ..names import division_name as _division_name

register = template.Library()


@register.filter(name="division_name")
def division_name(value: object) -> str:
    return _division_name(str(value)) if value not in (None, "") else ""
