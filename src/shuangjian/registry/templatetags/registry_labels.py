"""``{{ code|subject_label }}`` → 数学; ``{{ codes|subjects_label }}`` → 数学、英语 (template builtins)."""

from __future__ import annotations

from django import template

from .. import labels

register = template.Library()


@register.filter(name="subject_label")
def subject_label(value: object) -> str:
    return labels.subject_label(str(value)) if value not in (None, "") else ""


@register.filter(name="subjects_label")
def subjects_label(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return labels.subjects_label([str(v) for v in value])
    return labels.subjects_label(str(value)) if value not in (None, "") else ""
