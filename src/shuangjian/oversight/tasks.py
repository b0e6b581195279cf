"""Celery tasks of the oversight app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .orders import orders_escalate


@shared_task(name="shuangjian.oversight.tasks.escalate_task")
def escalate_task() -> int:
    """Daily: open orders past their deadline are marked overdue and listed on both levels' dashboards."""
    return orders_escalate()
