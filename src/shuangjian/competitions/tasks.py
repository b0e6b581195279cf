"""Celery tasks of the competitions app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .services import competitions_expire_ended


@shared_task(name="shuangjian.competitions.tasks.expire_task")
def expire_task() -> int:
    """Daily: filings of an ended cycle leave the public list."""
    return competitions_expire_ended()
