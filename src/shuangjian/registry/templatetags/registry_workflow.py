"""Template words from the licence workflow table: a history step named by the action it recorded."""

from __future__ import annotations

from django import template

from shuangjian.registry import workflow
from shuangjian.registry.models import ApplicationStep

register = template.Library()


@register.filter
def step_action(step: ApplicationStep) -> str:
    return workflow.step_label(step.from_status, step.to_status)
