"""The oversight API (orders, evaluation, dashboards and bulletins are pages for now)."""

from ninja import Router

router = Router(tags=["oversight"])
