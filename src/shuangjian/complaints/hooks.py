"""Extension points for apps built on top of complaints, so complaints never imports them (students/hooks.py is
the model).

- ``register_source(kind, resolver)``: a report raised from a record of a higher app carries
  ``source_ref = "<kind>:<id>"``; ``resolver(report, user)`` answers the link the staff page shows back to that
  record (or None when the user may not see it). The grid app registers ``"grid.finding"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shuangjian.core.models import User

    from .models import Report


@dataclass(frozen=True)
class SourceLink:
    label: str
    url: str


SourceResolver = Callable[["Report", "User"], "SourceLink | None"]

_resolvers: dict[str, SourceResolver] = {}


def source_ref_for(kind: str, pk: object) -> str:
    return f"{kind}:{pk}"


def register_source(kind: str, resolver: SourceResolver) -> SourceResolver:
    """Register the resolver of ``kind`` (registering again replaces it: one resolver per kind)."""
    _resolvers[kind] = resolver
    return resolver


def registered_sources() -> dict[str, SourceResolver]:
    return dict(_resolvers)


def source_link(report: Report, user: User) -> SourceLink | None:
    """The link back to what the report was raised from, if its app resolves it for this user."""
    kind, sep, _pk = (report.source_ref or "").partition(":")
    resolver = _resolvers.get(kind) if sep else None
    return resolver(report, user) if resolver is not None else None
