"""Nightly jobs of public reports (celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="shuangjian.complaints.tasks.reports_nightly_task")
def reports_nightly_task() -> dict[str, object]:
    """Escalate overdue reports to the city, mark checked those whose inspection is done, and list any accepted
    report with neither an inspection nor a reason (凡举报必检查: the list must be empty)."""
    checked = services.reports_check_done_sync()
    escalated = services.reports_escalate_overdue()
    orphans = list(services.reports_without_check().values_list("code", flat=True))
    if orphans:
        logger.error("accepted reports without a check: %s", ", ".join(orphans))
    return {"checked": checked, "escalated": escalated, "orphans": orphans}


@shared_task(name="shuangjian.complaints.tasks.public_statistics_task")
def public_statistics_task() -> dict[str, object]:
    """Recompute the public report statistics (beat entry ``complaints-public-statistics``; a visit finding them
    older than COMPLAINTS_PUBLIC_STATS_SECONDS asks for it too)."""
    row = services.public_statistics_refresh()
    return {"computed_at": row.computed_at.isoformat(), "total": row.data.get("total")}


_PUBLIC_STATISTICS_KICK = "complaints:public-statistics-kick"


def public_statistics_request() -> bool:
    """Ask a worker to recompute the public statistics after the current transaction commits, at most once per
    minute whoever asks (a shared cache key); False when a request is already under way. A broker that is down
    leaves the page as it is (the callback is robust): the figures stay those of the last computation."""
    if not cache.add(_PUBLIC_STATISTICS_KICK, 1, timeout=60):
        return False
    transaction.on_commit(public_statistics_task.delay, robust=True)
    return True
