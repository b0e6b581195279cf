"""Enforcement API under /api/v1/enforcement/: each area's router, mounted once here."""

from __future__ import annotations

from ninja import Router

from .case_api import router as case_router
from .inspection_api import router as inspection_router

router = Router(tags=["enforcement"])
router.add_router("", inspection_router)
router.add_router("", case_router)
