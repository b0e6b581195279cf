"""The oversight API (mounted by the lead if wanted); orders and evaluation are pages for now."""

from ninja import Router

router = Router(tags=["oversight"])
