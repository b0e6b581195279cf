"""Compliance rules for institutions and teaching sites: data in, violations out (no ORM, no I/O).

Local numbers come from ``settings.REGISTRY_PREMISES`` (read at call time so a province overrides them);
the defaults below are RULES.md's Beijing-style premises standard.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from shuangjian.core.rules import Violation

# RULES.md "premises" — 北京市校外培训机构设置标准 (2021); local, overridable through settings.REGISTRY_PREMISES.
PREMISES_DEFAULTS: dict[str, Any] = {
    "min_area_m2": Decimal("100"),  # usable area ≥ 100 m²
    "m2_per_student": Decimal("3"),  # ≥ 3 m² per student present at once
    "max_floor_children_12": 3,  # not on floor ≥ 4 for children ≤ 12
    "min_lease_days": 365,  # lease ≥ 1 year remaining
}
PREMISES_BASIS = "北京市校外培训机构设置标准（2021）"

# RULES.md: no new for-profit subject-type institutions; they become non-profit (营转非), USCC starting 52.
NON_PROFIT_USCC_PREFIX = "52"  # GB 32100 registration-authority code: 民办非企业单位
NON_PROFIT_BASIS = "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》第13条；GB 32100"

# RULES.md "zombie institution": no annual inspection for 2 consecutive years → cleared (Nanchang seed).
ZOMBIE_YEARS = 2
ZOMBIE_BASIS = "南昌市：民政部门对二年以上未年检的“僵尸”机构进行清理"

LICENCE_BASIS = "《中华人民共和国民办教育促进法》第十二条（办学许可证）"


def premises_settings() -> dict[str, Any]:
    """The premises numbers in force (settings override the defaults key by key)."""
    merged = dict(PREMISES_DEFAULTS)
    merged.update(getattr(settings, "REGISTRY_PREMISES", {}) or {})
    return merged


@dataclass(frozen=True)
class SiteFacts:
    """What the premises rules look at; views, services and imports build it from a form or a Site."""

    usable_area_m2: Decimal
    floor: int
    is_basement: bool
    in_residential_building: bool
    lease_end: datetime.date | None
    serves_children_12_or_under: bool = True


def site_capacity(area_m2: Decimal | float | int) -> int:
    """Students present at once: floor(area / m² per student), never negative."""
    per = Decimal(str(premises_settings()["m2_per_student"]))
    area = Decimal(str(area_m2))
    if area <= 0 or per <= 0:
        return 0
    return math.floor(area / per)


def check_site(site: SiteFacts, *, today: datetime.date, students_at_once: int | None = None) -> list[Violation]:
    """Every premises rule the site breaks (empty list: compliant)."""
    cfg = premises_settings()
    found: list[Violation] = []
    min_area = Decimal(str(cfg["min_area_m2"]))
    if Decimal(str(site.usable_area_m2)) < min_area:
        found.append(
            Violation(
                "site_area",
                _("使用面积 %(area)s 平方米，低于 %(min)s 平方米。") % {"area": site.usable_area_m2, "min": min_area},
                PREMISES_BASIS,
                "usable_area_m2",
            )
        )
    if students_at_once is not None and students_at_once > site_capacity(site.usable_area_m2):
        found.append(
            Violation(
                "site_density",
                _("同时在场学员 %(n)d 人，超过按每生 %(per)s 平方米计算的容量 %(cap)d 人。")
                % {"n": students_at_once, "per": cfg["m2_per_student"], "cap": site_capacity(site.usable_area_m2)},
                PREMISES_BASIS,
                "capacity",
            )
        )
    if site.in_residential_building:
        found.append(
            Violation("site_residential", _("教学点不得设在住宅内。"), PREMISES_BASIS, "in_residential_building")
        )
    if site.is_basement or site.floor < 0:
        found.append(Violation("site_basement", _("教学点不得设在地下室。"), PREMISES_BASIS, "is_basement"))
    max_floor = int(cfg["max_floor_children_12"])
    if site.serves_children_12_or_under and site.floor > max_floor:
        found.append(
            Violation(
                "site_floor",
                _("招收 12 岁及以下儿童的教学点不得设在 %(f)d 层及以上（当前第 %(floor)d 层）。")
                % {"f": max_floor + 1, "floor": site.floor},
                PREMISES_BASIS,
                "floor",
            )
        )
    min_days = int(cfg["min_lease_days"])
    if site.lease_end is None or (site.lease_end - today).days < min_days:
        found.append(
            Violation(
                "site_lease",
                _("租赁期剩余不足一年（应至少 %(d)d 天）。") % {"d": min_days},
                PREMISES_BASIS,
                "lease_end",
            )
        )
    return found


def check_institution(
    *,
    category: str,
    uscc: str,
    licence_no: str | None,
    licence_expires_on: datetime.date | None,
    status: str,
    today: datetime.date,
) -> list[Violation]:
    """Institution-level rules: subject-type must be non-profit; an active institution needs a valid licence."""
    found: list[Violation] = []
    if category == "subject" and not (uscc or "").startswith(NON_PROFIT_USCC_PREFIX):
        found.append(
            Violation(
                "subject_not_nonprofit",
                _("学科类培训机构应登记为非营利性（统一社会信用代码以 52 开头）。"),
                NON_PROFIT_BASIS,
                "uscc",
            )
        )
    if status == "unlicensed":
        found.append(
            Violation(
                "unlicensed_operation",
                _("无证办学：未取得办学许可证开展培训，应依法取缔或办理许可。"),
                LICENCE_BASIS,
                "status",
            )
        )
    if status == "active":
        if not licence_no:
            found.append(Violation("licence_missing", _("正常办学但未取得办学许可证。"), LICENCE_BASIS, "licence_no"))
        elif licence_expires_on is not None and licence_expires_on < today:
            found.append(
                Violation(
                    "licence_expired",
                    _("办学许可证已于 %(d)s 过期。") % {"d": licence_expires_on.isoformat()},
                    LICENCE_BASIS,
                    "licence_expires_on",
                )
            )
    return found


def zombie_since_year(today: datetime.date) -> int:
    """The first year whose passed annual inspection keeps an institution off the zombie list."""
    return today.year - ZOMBIE_YEARS


def is_zombie(
    *,
    status: str,
    passed_inspection_years: Iterable[int],
    licence_issued_on: datetime.date | None,
    today: datetime.date,
) -> bool:
    """Active, licensed before the window opened, and no passed annual inspection in the last two years."""
    since = zombie_since_year(today)
    if status != "active":
        return False
    if licence_issued_on is not None and licence_issued_on >= datetime.date(since, 1, 1):
        return False  # too new to have owed two inspections
    return not any(y >= since for y in passed_inspection_years)


def check_premises_for_licence(
    sites: list[tuple[str, SiteFacts]], *, training_format: str, today: datetime.date
) -> list[Violation]:
    """Before a licence is issued: an institution teaching offline needs at least one site, and every site it
    uses must meet the premises rules (each violation names its site)."""
    found: list[Violation] = []
    if training_format != "online" and not sites:
        found.append(
            Violation("site_missing", _("线下培训机构须登记至少一个符合要求的教学点。"), PREMISES_BASIS, "sites")
        )
    for name, facts in sites:
        for v in check_site(facts, today=today):
            found.append(Violation(v.code, f"{name}：{v.message}", v.basis, v.field))
    return found
