"""Celery tasks of the registry (thin wrappers live next to their services; imported here for the worker)."""

from __future__ import annotations

import logging

from celery import shared_task

from .imports import survey_import_task
from .selectors import zombie_counts

logger = logging.getLogger(__name__)


@shared_task(name="registry.scan_zombies")
def scan_zombies() -> dict[str, int]:
    """Count zombie institutions per county (RULES.md: no passed annual inspection for two years) for the logs;
    the zombie page and dashboard compute the same list live, and deregistration stays a regulator's decision."""
    counts = zombie_counts()
    logger.info("zombie institutions: %s in total, by county %s", sum(counts.values()), counts)
    return counts


__all__ = ["scan_zombies", "survey_import_task"]
