"""``{{ mapping|get_item:key }}`` for the evaluation table (a county's scores by indicator key)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter(name="get_item")
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
