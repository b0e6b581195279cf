"""Institution list filters shared by the regulator's list page and its Excel export.

One parser (``InstitutionFilters.from_params``) and one function (``filter_institutions``) so the export is
exactly the list the regulator is looking at. (h6 wrote this for the export; h5's list page may use it too —
add filters here rather than in a view so both stay the same.) Scope is not applied here: callers pass a
queryset already restricted by ``scope_queryset``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.db.models import Q, QuerySet

from shuangjian.core.scope import code_prefix_q

from .models import Category, Institution, InstitutionStatus, NonSubjectField, SupervisionMode


@dataclass(frozen=True)
class InstitutionFilters:
    q: str = ""
    division: str = ""
    category: str = ""
    field: str = ""
    status: str = ""
    supervision_mode: str = ""
    listing: str = ""  # "white" or "black"
    zombie: bool = False
    violations: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> InstitutionFilters:
        """Read filters from GET parameters; unknown choice values are ignored rather than failing the page."""

        def choice(name: str, allowed: list[str]) -> str:
            value = (params.get(name) or "").strip()
            return value if value in allowed else ""

        division = (params.get("division") or "").strip()
        return cls(
            # NUL cannot be sent to PostgreSQL in a literal; nobody searches for it.
            q=(params.get("q") or "").replace("\x00", "").strip()[:64],
            division=division if division.isdigit() and len(division) <= 12 else "",
            category=choice("category", list(Category.values)),
            field=choice("field", list(NonSubjectField.values)),
            status=choice("status", list(InstitutionStatus.values)),
            supervision_mode=choice("supervision_mode", list(SupervisionMode.values)),
            listing=choice("listing", ["white", "black"]),
            zombie=params.get("zombie") in ("1", "on", "true"),
            violations=params.get("violations") in ("1", "on", "true"),
        )

    def as_params(self) -> dict[str, str]:
        return {k: ("1" if v is True else v) for k, v in asdict(self).items() if v}


def filter_institutions(qs: QuerySet[Institution], filters: InstitutionFilters) -> QuerySet[Institution]:
    if filters.q:
        text = filters.q
        qs = qs.filter(Q(name__contains=text) | Q(uscc=text.upper()) | Q(licence_no=text))
    if filters.division:
        qs = qs.filter(code_prefix_q("division_code", filters.division[:6]))
        if len(filters.division) > 6:
            qs = qs.filter(township_code__startswith=filters.division)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.field:
        qs = qs.filter(field=filters.field)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.supervision_mode:
        qs = qs.filter(supervision_mode=filters.supervision_mode)
    if filters.listing or filters.zombie or filters.violations:
        # The list rules live with the registry's other definitions (conditions.py) so every page agrees.
        from django.utils import timezone

        from .conditions import blacklisted_q, violations_q, zombie_q
        from .standing import whitelist_conditions_q as whitelist_q

        today = timezone.localdate()
        if filters.listing == "white":
            qs = qs.filter(whitelist_q(today))
        elif filters.listing == "black":
            qs = qs.filter(blacklisted_q(today))
        if filters.zombie:
            qs = qs.filter(zombie_q(today))
        if filters.violations:
            qs = qs.filter(violations_q(today))
    return qs
