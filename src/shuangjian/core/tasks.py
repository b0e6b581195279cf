"""Celery tasks of core (thin wrappers around services; imported here for the worker)."""

from __future__ import annotations

import logging

from celery import shared_task

from .audit import audit_seal

logger = logging.getLogger(__name__)


@shared_task(name="core.audit_seal")
def audit_seal_task() -> dict[str, int | str]:
    """Seal the heads of every audit chain (a sealed root chained to the previous one); the hash goes to the log,
    so a copy of it lives outside the database."""
    seal = audit_seal()
    logger.info("audit seal #%s: %s chains, %s events, hash %s", seal.seq, seal.chains, seal.events, seal.hash)
    return {"seq": seal.seq, "chains": seal.chains, "events": seal.events, "hash": seal.hash}
