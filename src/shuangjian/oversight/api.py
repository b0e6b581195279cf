"""The oversight API (orders, evaluation and dashboards land here)."""

from ninja import Router

router = Router(tags=["oversight"])
