"""Enforcement API (inspections, notices, cases, plans) under /api/v1/enforcement/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["enforcement"])


# --- Penalty cases (cases area) ----------------------------------------------------------------------------------
from .case_api import router as case_router  # noqa: E402

router.add_router("", case_router)
