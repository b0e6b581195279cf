"""Names for codes a person should never have to decode: administrative divisions (410202 → 龙亭区)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Division

# Division names change only when the code table is reloaded: keep the ones looked up, forget them on any change.
_NAMES: dict[str, str] = {}


@receiver([post_save, post_delete], sender=Division)
def _forget_names(**kwargs: Any) -> None:
    _NAMES.clear()


def division_names(codes: Iterable[str]) -> dict[str, str]:
    """``code → name`` for the codes that are divisions (one query for those not looked up before)."""
    wanted = {str(c) for c in codes if c}
    missing = wanted - _NAMES.keys()
    if missing:
        found = dict(Division.objects.filter(code__in=missing).values_list("code", "name"))
        for code in missing:
            _NAMES[code] = found.get(code, "")
    return {code: _NAMES[code] for code in wanted if _NAMES.get(code)}


def division_name(code: str | None) -> str:
    """The division's name; the code itself when it is not a known division (so nothing is hidden)."""
    if not code:
        return ""
    return division_names([code]).get(str(code), str(code))
