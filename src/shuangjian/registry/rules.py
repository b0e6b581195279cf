"""Compliance rules for institutions and teaching sites: data in, violations out (no ORM, no I/O).

Local numbers come from ``settings.REGISTRY_PREMISES`` (read at call time so a province overrides them);
the defaults below are RULES.md's Beijing-style premises standard. The document a premises refusal cites is
``settings.REGISTRY_PREMISES_BASIS`` (the province's own standard); without one the Beijing standard is cited and
named as a reference (参照), never as if it bound a Henan institution.
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
    "min_lease_years": 1,  # a lease of ≥ 1 year: its term, start to end (not the time left today)
}
# The fallback when the province has not named its own standard: cited as what it is, a reference.
PREMISES_BASIS_FALLBACK = "（参照）北京市校外培训机构设置标准（2021）"

# RULES.md: no new for-profit subject-type institutions; they become non-profit (营转非), USCC starting 52.
NON_PROFIT_USCC_PREFIX = "52"  # GB 32100 registration-authority code: 民办非企业单位
NON_PROFIT_BASIS = "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》第13条；GB 32100"
# 意见 §13: "各地不再审批新的面向义务教育阶段学生的学科类校外培训机构，现有学科类培训机构统一登记为非营利性机构。"
NEW_SUBJECT_BASIS = "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》第13条"

# RULES.md "blacklisted people": barred from training work (限制从业) — founding or representing an institution too.
FOUNDER_BLACKLIST_BASIS = "《校外培训行政处罚暂行办法》（教育部令第53号）第九条（限制从业）"

# RULES.md "zombie institution": no annual inspection for 2 consecutive years → cleared (Nanchang seed). Any
# inspection counts, failed ones too: a failed inspection is an inspection whose failure is a finding to rectify.
ZOMBIE_YEARS = 2
ZOMBIE_BASIS = "南昌市：民政部门对二年以上未年检的“僵尸”机构进行清理"

LICENCE_BASIS = "《中华人民共和国民办教育促进法》第十二条（办学许可证）"


def premises_basis() -> str:
    """The premises standard a refusal cites: the province's own (setting), else Beijing's named as a reference."""
    return str(getattr(settings, "REGISTRY_PREMISES_BASIS", "") or PREMISES_BASIS_FALLBACK)


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
    lease_start: datetime.date | None = None


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
    basis = premises_basis()
    found: list[Violation] = []
    min_area = Decimal(str(cfg["min_area_m2"]))
    if Decimal(str(site.usable_area_m2)) < min_area:
        found.append(
            Violation(
                "site_area",
                _("使用面积 %(area)s 平方米，低于 %(min)s 平方米。") % {"area": site.usable_area_m2, "min": min_area},
                basis,
                "usable_area_m2",
            )
        )
    if students_at_once is not None and students_at_once > site_capacity(site.usable_area_m2):
        found.append(
            Violation(
                "site_density",
                _("同时在场学员 %(n)d 人，超过按每生 %(per)s 平方米计算的容量 %(cap)d 人。")
                % {"n": students_at_once, "per": cfg["m2_per_student"], "cap": site_capacity(site.usable_area_m2)},
                basis,
                "capacity",
            )
        )
    if site.in_residential_building:
        found.append(Violation("site_residential", _("教学点不得设在住宅内。"), basis, "in_residential_building"))
    if site.is_basement or site.floor < 0:
        found.append(Violation("site_basement", _("教学点不得设在地下室。"), basis, "is_basement"))
    max_floor = int(cfg["max_floor_children_12"])
    if site.serves_children_12_or_under and site.floor > max_floor:
        found.append(
            Violation(
                "site_floor",
                _("招收 12 岁及以下儿童的教学点不得设在 %(f)d 层及以上（当前第 %(floor)d 层）。")
                % {"f": max_floor + 1, "floor": site.floor},
                basis,
                "floor",
            )
        )
    lease = lease_violation(site.lease_start, site.lease_end, today=today, years=int(cfg["min_lease_years"]))
    if lease is not None:
        found.append(Violation("site_lease", lease, basis, "lease_end"))
    return found


def lease_term(start: datetime.date, end: datetime.date) -> int:
    """A lease's length as years·10000 + month-day difference: ≥ ``lease_term_units(n)`` means at least n whole
    calendar years (the same arithmetic runs in SQL, see ``conditions.with_lease_term``)."""
    return (end.year - start.year) * 10000 + (end.month * 100 + end.day) - (start.month * 100 + start.day)


def lease_term_units(years: int) -> int:
    return years * 10000


def lease_violation(
    start: datetime.date | None, end: datetime.date | None, *, today: datetime.date, years: int
) -> str | None:
    """What is wrong with a site's lease, or None. The standard asks for a lease of at least ``years`` year(s):
    the term from start to end, so a site in its lease's last year is compliant; an ended lease is no lease. A
    lease recorded without its start (older records) is judged by its end alone until the start is entered."""
    if end is None:
        return _("未登记租赁期限。")
    if end < today:
        return _("租赁已于 %(d)s 到期。") % {"d": end.isoformat()}
    if start is not None and lease_term(start, end) < lease_term_units(years):
        return _("租赁期限不足 %(n)d 年（%(s)s 至 %(e)s）。") % {
            "n": years,
            "s": start.isoformat(),
            "e": end.isoformat(),
        }
    return None


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


def check_new_institution(*, category: str) -> list[Violation]:
    """A new institution asking for a licence: 意见 §13 — no new subject-type institutions for compulsory-education
    pupils are approved; existing ones (licensed before) register as non-profit instead (营转非)."""
    if category == "subject":
        return [
            Violation(
                "subject_new_refused",
                _(
                    "各地不再审批新的面向义务教育阶段学生的学科类校外培训机构；"
                    "已取得许可的学科类机构请办理营转非（登记为非营利性机构）。"
                ),
                NEW_SUBJECT_BASIS,
                "category",
            )
        ]
    return []


def check_founder(*, barred: bool) -> list[Violation]:
    """A person barred from training work (限制从业) cannot found or represent an institution."""
    if barred:
        return [
            Violation(
                "founder_blacklisted",
                _("法定代表人（举办者）已被列入限制从业人员名单，不得举办校外培训机构。"),
                FOUNDER_BLACKLIST_BASIS,
                "legal_rep_id",
            )
        ]
    return []


def zombie_since_year(today: datetime.date) -> int:
    """The first year whose annual inspection (any result) keeps an institution off the zombie list."""
    return today.year - ZOMBIE_YEARS


def is_zombie(
    *,
    status: str,
    inspection_years: Iterable[int],
    licence_issued_on: datetime.date | None,
    today: datetime.date,
) -> bool:
    """Active, licensed before the window opened, and no annual inspection at all in the last two years."""
    since = zombie_since_year(today)
    if status != "active":
        return False
    if licence_issued_on is not None and licence_issued_on >= datetime.date(since, 1, 1):
        return False  # too new to have owed two inspections
    return not any(y >= since for y in inspection_years)


def check_premises_for_licence(
    sites: list[tuple[str, SiteFacts]], *, training_format: str, today: datetime.date
) -> list[Violation]:
    """Before a licence is issued: an institution teaching offline needs at least one site, and every site it
    uses must meet the premises rules (each violation names its site)."""
    found: list[Violation] = []
    if training_format != "online" and not sites:
        found.append(
            Violation("site_missing", _("线下培训机构须登记至少一个符合要求的教学点。"), premises_basis(), "sites")
        )
    for name, facts in sites:
        for v in check_site(facts, today=today):
            found.append(Violation(v.code, f"{name}：{v.message}", v.basis, v.field))
    return found
