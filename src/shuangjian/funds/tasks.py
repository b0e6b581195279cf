"""Periodic work of the funds app: thin wrappers around the release and refund services."""

from __future__ import annotations

from celery import shared_task

from .overview import overview_refresh_task
from .refunds import refund_deem_agreed_due
from .release import consumption_auto_confirm_due, consumption_release_uncovered

__all__ = ["auto_confirm_task", "overview_refresh_task", "refunds_deemed_task"]


@shared_task(name="shuangjian.funds.tasks.auto_confirm_task")
def auto_confirm_task() -> int:
    """Lessons unanswered for N working days count as confirmed (RULES.md, release); confirmed lessons that had
    no custody money when confirmed are released once a later payment covers them."""
    return consumption_auto_confirm_due() + consumption_release_uncovered()


@shared_task(name="shuangjian.funds.tasks.refunds_deemed_task")
def refunds_deemed_task() -> int:
    """Refunds unanswered for 5 working days count as agreed (RULES.md, refund)."""
    return refund_deem_agreed_due()
