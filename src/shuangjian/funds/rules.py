"""Prepaid-fee rules: pure functions, data in, ``Violation`` list out. Numbers from RULES.md ("Prepaid funds").

Every default here can be overridden by a province or city through the setting named next to it
(``settings.FUNDS_*``); ``FeeCaps.from_settings()`` reads them at call time, never at import.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuangjian.core.money import format_fen
from shuangjian.core.rules import Violation

BASIS_2021_2 = "教育部等六部门《关于加强校外培训机构预收费监管工作的通知》（教监管函〔2021〕2号）"
BASIS_2022_4 = "《关于进一步加强校外培训机构预收费监管的通知》（教监管〔2022〕4号）及地方规定"
BASIS_JIANGSU = "江苏省地方规定（多项限额取最严格者；提前收费、续费条件）"
BASIS_APP = "全国校外教育培训监管与服务综合平台规则（2023）"

# Per-charge limit, class hours: ≤ 60 (教监管函〔2021〕2号). Setting FUNDS_MAX_CHARGE_CLASS_HOURS.
MAX_CHARGE_CLASS_HOURS = 60
# Per-charge limit, period: ≤ 3 months (教监管函〔2021〕2号). Setting FUNDS_MAX_CHARGE_MONTHS.
MAX_CHARGE_MONTHS = 3
# Per-charge limit, amount (local): ≤ 5,000 yuan (教监管〔2022〕4号 and local rules). Setting FUNDS_MAX_CHARGE_FEN.
MAX_CHARGE_FEN = 5_000 * 100
# Collecting early (local): not more than 1 month before the course starts (Jiangsu). Setting FUNDS_EARLIEST_MONTHS.
EARLIEST_COLLECT_MONTHS = 1
# Renewal (local): only when ≤ 20 class hours remain (Jiangsu). Setting FUNDS_RENEWAL_MAX_REMAINING_HOURS.
RENEWAL_MAX_REMAINING_HOURS = 20
# Release: no answer = confirmed after N working days; 15 national app default, 7 in some places (local).
# Setting FUNDS_CONFIRM_WORKING_DAYS.
CONFIRM_WORKING_DAYS = 15
# Refund: institution's silence for 5 working days = agreed (national supervision platform rules).
# Setting FUNDS_REFUND_SILENCE_WORKING_DAYS.
REFUND_SILENCE_WORKING_DAYS = 5
# Bank notifications: a timestamp older than 5 minutes is refused (replay protection).
# Setting FUNDS_NOTIFICATION_MAX_AGE_SECONDS.
NOTIFICATION_MAX_AGE_SECONDS = 300


def _setting(name: str, default: int) -> int:
    from django.conf import settings  # read at call time: tests and provinces override with settings

    # None: the environment left it unset (settings/base.py reads FUNDS_* from the environment without a
    # default of its own, so the number lives here once).
    value = getattr(settings, name, None)
    return default if value is None else int(value)


def confirm_working_days() -> int:
    return _setting("FUNDS_CONFIRM_WORKING_DAYS", CONFIRM_WORKING_DAYS)


def refund_silence_working_days() -> int:
    return _setting("FUNDS_REFUND_SILENCE_WORKING_DAYS", REFUND_SILENCE_WORKING_DAYS)


def notification_max_age_seconds() -> int:
    return _setting("FUNDS_NOTIFICATION_MAX_AGE_SECONDS", NOTIFICATION_MAX_AGE_SECONDS)


def notification_window_text() -> str:
    """The notification timestamp window in force, in words for messages ("5 分钟", "90 秒")."""
    seconds = notification_max_age_seconds()
    if seconds % 60 == 0:
        # ngettext: the same msgid is a plural in schools/afterschool.html, and one catalogue entry serves both.
        return ngettext("%(n)s 分钟", "%(n)s 分钟", seconds // 60) % {"n": seconds // 60}
    return _("%(n)s 秒") % {"n": seconds}


@dataclass(frozen=True)
class FeeCaps:
    max_class_hours: int = MAX_CHARGE_CLASS_HOURS
    max_months: int = MAX_CHARGE_MONTHS
    max_fen: int = MAX_CHARGE_FEN
    earliest_months: int = EARLIEST_COLLECT_MONTHS
    renewal_max_remaining_hours: int = RENEWAL_MAX_REMAINING_HOURS

    @classmethod
    def from_settings(cls) -> FeeCaps:
        return cls(
            max_class_hours=_setting("FUNDS_MAX_CHARGE_CLASS_HOURS", MAX_CHARGE_CLASS_HOURS),
            max_months=_setting("FUNDS_MAX_CHARGE_MONTHS", MAX_CHARGE_MONTHS),
            max_fen=_setting("FUNDS_MAX_CHARGE_FEN", MAX_CHARGE_FEN),
            earliest_months=_setting("FUNDS_EARLIEST_MONTHS", EARLIEST_COLLECT_MONTHS),
            renewal_max_remaining_hours=_setting("FUNDS_RENEWAL_MAX_REMAINING_HOURS", RENEWAL_MAX_REMAINING_HOURS),
        )


def add_months(d: datetime.date, months: int) -> datetime.date:
    """Same day ``months`` later (or earlier), clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(d.day, last))


def max_class_hours_per_charge(price_per_lesson_fen: int, caps: FeeCaps) -> int:
    """The strictest of the hour and amount caps, in class hours, for a course at this price."""
    by_amount = caps.max_fen // price_per_lesson_fen if price_per_lesson_fen > 0 else caps.max_class_hours
    return min(caps.max_class_hours, by_amount)


def check_payment_order(
    *,
    class_hours: int,
    price_per_lesson_fen: int,
    period_start: datetime.date,
    period_end: datetime.date,
    course_start: datetime.date,
    today: datetime.date,
    remaining_hours: int | None,
    caps: FeeCaps,
) -> list[Violation]:
    """Every fee-cap rule a new charge breaks (empty if it may be collected).

    ``remaining_hours`` is the class hours already paid and not yet consumed for this enrolment, or ``None`` if
    this is the first charge (renewal rule applies only when it is not ``None``). All caps apply together, so the
    strictest one decides; each refusal names its rule and basis.
    """
    found: list[Violation] = []
    amount = class_hours * price_per_lesson_fen
    if class_hours <= 0:
        found.append(Violation("charge_hours_positive", _("收费课时数必须大于 0。"), BASIS_2021_2, "class_hours"))
    if class_hours > caps.max_class_hours:
        found.append(
            Violation(
                "charge_max_class_hours",
                _("单次收费不得超过 %(max)s 课时（本次 %(n)s 课时）。")
                % {"max": caps.max_class_hours, "n": class_hours},
                BASIS_2021_2,
                "class_hours",
            )
        )
    if period_end < period_start:
        found.append(Violation("charge_period_order", _("服务结束日期不能早于开始日期。"), BASIS_2021_2, "period_end"))
    elif period_end > add_months(period_start, caps.max_months):
        found.append(
            Violation(
                "charge_max_months",
                _("单次收费时间跨度不得超过 %(max)s 个月（%(start)s 至 %(end)s）。")
                % {"max": caps.max_months, "start": period_start, "end": period_end},
                BASIS_2021_2,
                "period_end",
            )
        )
    if amount > caps.max_fen:
        strictest = max_class_hours_per_charge(price_per_lesson_fen, caps)
        found.append(
            Violation(
                "charge_max_amount",
                _(
                    "单次收费不得超过 %(max)s 元（本次 %(amount)s 元）；"
                    "多项限额取最严格者，本课程单次最多收 %(hours)s 课时。"
                )
                % {"max": format_fen(caps.max_fen), "amount": format_fen(amount), "hours": strictest},
                BASIS_2022_4,
                "class_hours",
            )
        )
    earliest = add_months(course_start, -caps.earliest_months)
    if today < earliest:
        found.append(
            Violation(
                "charge_too_early",
                _("课程 %(start)s 开课，%(earliest)s 前不得提前收费。") % {"start": course_start, "earliest": earliest},
                BASIS_JIANGSU,
                "period_start",
            )
        )
    if remaining_hours is not None and remaining_hours > caps.renewal_max_remaining_hours:
        found.append(
            Violation(
                "charge_renewal_too_early",
                _("剩余课时不超过 %(max)s 课时方可续费（当前剩余 %(n)s 课时）。")
                % {"max": caps.renewal_max_remaining_hours, "n": remaining_hours},
                BASIS_JIANGSU,
                "class_hours",
            )
        )
    return found


def as_payload(violations: list[Violation]) -> list[dict[str, Any]]:
    return [v.as_dict() for v in violations]


# Risk deposit (风险保证金), the alternative to bank custody (教监管函〔2021〕2号): the institution may hold outstanding
# prepaid fees up to its deposit divided by this share. No national number exists; this default (20 %) is local,
# to be set by the province or city. Setting FUNDS_RISK_DEPOSIT_SHARE_BP (basis points of outstanding prepaid money).
RISK_DEPOSIT_SHARE_BP = 2000


def risk_deposit_share_bp() -> int:
    return _setting("FUNDS_RISK_DEPOSIT_SHARE_BP", RISK_DEPOSIT_SHARE_BP)


def deposit_covered_fen(deposit_fen: int, share_bp: int) -> int:
    """Outstanding prepaid money a deposit covers: ``deposit / share`` (everything when the share is 0)."""
    if share_bp <= 0:
        return 2**62
    return deposit_fen * 10_000 // share_bp


def check_deposit_collection(*, deposit_fen: int, share_bp: int, outstanding_fen: int, new_fen: int) -> list[Violation]:
    """A risk-deposit institution collects only while outstanding prepaid money (including this charge) stays within
    what its deposit covers."""
    covered = deposit_covered_fen(deposit_fen, share_bp)
    if outstanding_fen + new_fen <= covered:
        return []
    return [
        Violation(
            "deposit_insufficient",
            _(
                "风险保证金 ¥%(deposit)s 按 %(share)s%% 的比例可覆盖预收费 ¥%(covered)s；"
                "现有未消课预收费 ¥%(outstanding)s，再收 ¥%(new)s 将超出覆盖额度，请补缴保证金或开设托管账户。"
            )
            % {
                "deposit": format_fen(deposit_fen),
                "share": f"{share_bp / 100:g}",
                "covered": format_fen(covered),
                "outstanding": format_fen(outstanding_fen),
                "new": format_fen(new_fen),
            },
            BASIS_2021_2,
            "amount_fen",
        )
    ]
