"""Celery tasks of enforcement (inspections area)."""

from __future__ import annotations

import logging

from celery import shared_task

from .notices import notices_remind_overdue

logger = logging.getLogger(__name__)


@shared_task(name="enforcement.notices_remind_overdue")
def notices_remind_overdue_task() -> int:
    """Daily: every open rectification notice past its deadline is chased (a reminder recorded and audited)."""
    n = notices_remind_overdue()
    logger.info("overdue rectification notices chased: %s", n)
    return n
