"""Celery tasks of the grid app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import grid_reminders_send


@shared_task(name="shuangjian.grid.tasks.chase_missing_task")
def chase_missing_task() -> int:
    """Daily at GRID_REMINDER_HOUR: remind officers whose report of the day is missing."""
    return grid_reminders_send()
