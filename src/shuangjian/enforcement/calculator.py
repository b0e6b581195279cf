"""Penalty calculator: proposes measures and a fine range for one illegal act from MoE53's articles, the
institution's history (repeat within 2 years, the local ladder) and aggravating factors, and prints its reasoning
line by line, each line citing its source (RULES.md "Enforcement"). Pure: no database, no settings read here —
the caller passes the ladder and the window.

The regulator may depart from the proposal; the case keeps the proposal and the recorded reason side by side.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from .rules import add_years

# Labels are lazy so the screen shows them in the user's language; str() them before joining.
StrOrPromise = str | Promise

YUAN = 100  # fen per yuan

# Sources cited by the reasoning lines; lazy, and put into each line in the reader's language.
MOE53 = _("《校外培训行政处罚暂行办法》（教育部令第53号）")
PENALTY_LAW = _("《中华人民共和国行政处罚法》（2021修订）")
NANCHANG = _("南昌市校外培训分级处置做法")


def _line(text: str, **values: object) -> str:
    """One reasoning line in the active language; ``%(moe53)s`` and the other sources are filled in for every line."""
    return text % {"moe53": MOE53, "penalty_law": PENALTY_LAW, "nanchang": NANCHANG, **values}


class Measure:
    """Measure codes: MoE53 art. 9 penalty types, and the non-penalty orders that go with them."""

    WARNING = "warning"  # 警告
    CRITICISM = "criticism"  # 通报批评
    FINE = "fine"  # 罚款
    CONFISCATE = "confiscate"  # 没收违法所得
    STOP_ENROLLING = "stop_enrolling"  # 责令停止招收学员
    STOP_OPERATING = "stop_operating"  # 责令停止举办
    REVOKE = "revoke"  # 吊销许可证件
    RESTRICT_PRACTICE = "restrict_practice"  # 限制从业
    # Orders that are not penalties under art. 9 but accompany them.
    BAN = "ban"  # 取缔
    REFUND = "refund"  # 退还所收费用
    RECTIFY = "rectify"  # 责令改正
    SUMMONS = "summons"  # 约谈


MEASURE_LABELS: dict[str, StrOrPromise] = {
    Measure.WARNING: _("警告"),
    Measure.CRITICISM: _("通报批评"),
    Measure.FINE: _("罚款"),
    Measure.CONFISCATE: _("没收违法所得"),
    Measure.STOP_ENROLLING: _("责令停止招收学员"),
    Measure.STOP_OPERATING: _("责令停止举办"),
    Measure.REVOKE: _("吊销许可证件"),
    Measure.RESTRICT_PRACTICE: _("限制从业"),
    Measure.BAN: _("予以取缔"),
    Measure.REFUND: _("退还所收费用"),
    Measure.RECTIFY: _("责令改正"),
    Measure.SUMMONS: _("约谈"),
}
# Measures that are administrative penalties (MoE53 art. 9); the rest are orders.
PENALTIES = frozenset(
    {
        Measure.WARNING,
        Measure.CRITICISM,
        Measure.FINE,
        Measure.CONFISCATE,
        Measure.STOP_ENROLLING,
        Measure.STOP_OPERATING,
        Measure.REVOKE,
        Measure.RESTRICT_PRACTICE,
    }
)


class Violation:
    UNLICENSED = "unlicensed"  # 无证无照开展校外培训 (art. 17)
    DISGUISED = "disguised"  # 隐形变异学科类培训 (art. 18)
    COMPETITION = "competition"  # 未经审批面向中小学生的社会性竞赛


VIOLATION_LABELS: dict[str, StrOrPromise] = {
    Violation.UNLICENSED: _("未经许可擅自开展校外培训"),
    Violation.DISGUISED: _("以隐蔽方式开展学科类校外培训"),
    Violation.COMPETITION: _("未经审批组织面向中小学生的社会性竞赛"),
}


class Severity:
    ORDINARY = "ordinary"
    SERIOUS = "serious"
    ESPECIALLY_SERIOUS = "especially_serious"


SEVERITY_LABELS: dict[str, StrOrPromise] = {
    Severity.ORDINARY: _("一般"),
    Severity.SERIOUS: _("情节严重"),
    Severity.ESPECIALLY_SERIOUS: _("情节特别严重"),
}

LADDER_SUMMONS = "summons"
LADDER_STOP = "stop_3_months"
LADDER_REVOKE = "revoke"


@dataclass(frozen=True)
class Facts:
    """What the calculator needs to know about one illegal act and its author."""

    violations: tuple[str, ...]  # every norm the single act breaks ("one act, one fine" picks the highest)
    on: datetime.date  # the day of this finding
    severity: str = Severity.ORDINARY
    illegal_income_fen: int = 0
    prior_findings: tuple[datetime.date, ...] = ()  # earlier findings against the same subject
    in_service_teacher: bool = False
    obstruction: bool = False
    already_fined_for_act: bool = False  # the same act was fined before (one act, one fine)


@dataclass(frozen=True)
class Proposal:
    measures: tuple[str, ...]
    fine_min_fen: int
    fine_max_fen: int
    reasoning: tuple[str, ...]
    findings_in_window: int  # this finding included
    ladder_step: str
    aggravated: bool
    stop_months: int = 0

    @property
    def measures_text(self) -> str:
        return pgettext("list separator", "、").join(str(MEASURE_LABELS[m]) for m in self.measures)


@dataclass
class _Rule:
    measures: list[str]
    fine_min: int
    fine_max: int
    lines: list[str] = field(default_factory=list)


def _rule(violation: str, severity: str, income: int) -> _Rule:
    if violation == Violation.UNLICENSED:
        r = _Rule([Measure.BAN, Measure.REFUND], 0, 0)
        r.lines.append(_line(gettext("%(moe53)s第十七条：未经许可开展校外培训的，予以取缔，退还所收费用。")))
        if income > 0:
            r.measures += [Measure.CONFISCATE, Measure.FINE]
            r.fine_min, r.fine_max = income, income * 5
            r.lines.append(
                _line(
                    gettext(
                        "%(moe53)s第十七条：对举办者处违法所得1倍以上5倍以下罚款；违法所得%(income)s元，"
                        "罚款幅度%(low)s元至%(high)s元。"
                    ),
                    income=f"{income / YUAN:,.2f}",
                    low=f"{r.fine_min / YUAN:,.2f}",
                    high=f"{r.fine_max / YUAN:,.2f}",
                )
            )
        else:
            r.lines.append(gettext("未查明违法所得，不提出按违法所得倍数计算的罚款。"))
        return r
    if violation == Violation.DISGUISED:
        r = _Rule([Measure.RECTIFY, Measure.WARNING], 0, 0)
        if severity == Severity.ESPECIALLY_SERIOUS:
            r.measures.append(Measure.FINE)
            r.fine_min, r.fine_max = 50_000 * YUAN, 100_000 * YUAN
            r.lines.append(_line(gettext("%(moe53)s第十八条：情节特别严重的，处5万元以上10万元以下罚款。")))
        elif severity == Severity.SERIOUS:
            r.measures.append(Measure.FINE)
            r.fine_min, r.fine_max = 0, 50_000 * YUAN
            r.lines.append(_line(gettext("%(moe53)s第十八条：情节严重的，处5万元以下罚款。")))
        else:
            r.lines.append(_line(gettext("%(moe53)s第十八条：以隐蔽方式开展学科类培训的，责令改正，给予警告。")))
        return r
    if violation == Violation.COMPETITION:
        r = _Rule([Measure.REFUND, Measure.WARNING], 0, 0)
        r.lines.append(
            _line(gettext("%(moe53)s：未经审批组织面向中小学生的社会性竞赛的，退还所收费用，给予警告或者通报批评。"))
        )
        if severity in (Severity.SERIOUS, Severity.ESPECIALLY_SERIOUS):
            r.measures.append(Measure.FINE)
            r.fine_min, r.fine_max = 0, 50_000 * YUAN
            r.lines.append(_line(gettext("%(moe53)s：情节严重的，处5万元以下罚款。")))
        return r
    raise ValueError(f"unknown violation {violation!r}")


def findings_in_window(on: datetime.date, prior: Sequence[datetime.date], window_years: int) -> int:
    """Findings within ``window_years`` before ``on`` (inclusive of the window's first day), this one included."""
    start = add_years(on, -window_years)
    return 1 + sum(1 for d in prior if start <= d < on)


def propose(facts: Facts, *, ladder: Sequence[str], window_years: int, stop_months: int) -> Proposal:
    """The proposed measures, fine range (fen) and the reasoning for one act (see the module docstring)."""
    if not facts.violations:
        raise ValueError("no violation given")
    income = max(facts.illegal_income_fen, 0)
    rules = [_rule(v, facts.severity, income) for v in dict.fromkeys(facts.violations)]
    lines: list[str] = []
    # One act, one fine: where several norms apply, the rule with the higher fine is used.
    chosen = max(rules, key=lambda r: (r.fine_max, r.fine_min))
    if len(rules) > 1:
        lines.append(
            _line(
                gettext(
                    "%(penalty_law)s第二十九条：同一违法行为违反多个法律规范应当给予罚款处罚的，"
                    "按照罚款数额高的规定处罚。"
                )
            )
        )
    lines += chosen.lines
    measures = list(chosen.measures)
    for r in rules:
        measures += [m for m in r.measures if m != Measure.FINE and m not in measures]
    fine_min, fine_max = chosen.fine_min, chosen.fine_max

    n = findings_in_window(facts.on, facts.prior_findings, window_years)
    step = ladder[min(n, len(ladder)) - 1] if ladder else ""
    repeat = n > 1
    lines.append(_line(gettext("%(years)s年内第%(n)s次查实违法行为（%(nanchang)s）。"), years=window_years, n=n))
    months = 0
    if step == LADDER_SUMMONS:
        measures += [m for m in (Measure.SUMMONS, Measure.RECTIFY) if m not in measures]
        lines.append(_line(gettext("%(nanchang)s：首次查实的，约谈并责令整改。")))
    elif step == LADDER_STOP:
        months = stop_months
        measures += [m for m in (Measure.STOP_OPERATING, Measure.RECTIFY) if m not in measures]
        lines.append(
            _line(gettext("%(nanchang)s：第二次查实的，停业整改，%(months)s个月内不得开展培训。"), months=stop_months)
        )
    elif step == LADDER_REVOKE:
        measures += [m for m in (Measure.REVOKE,) if m not in measures]
        lines.append(_line(gettext("%(nanchang)s：第三次及以上查实的，吊销办学许可证。")))

    aggravated = repeat or facts.in_service_teacher or facts.obstruction
    if repeat:
        lines.append(_line(gettext("%(moe53)s：%(years)s年内再次违法，从重处罚。"), years=window_years))
    if facts.in_service_teacher:
        lines.append(_line(gettext("%(moe53)s：有在职中小学教师参与，从重处罚；对相关人员限制从业。")))
        if Measure.RESTRICT_PRACTICE not in measures:
            measures.append(Measure.RESTRICT_PRACTICE)
    if facts.obstruction:
        lines.append(_line(gettext("%(moe53)s：拒绝、阻碍执法检查，从重处罚。")))
    if aggravated and fine_max > fine_min:
        # From heavier within the legal range: the proposal keeps to its upper half.
        fine_min = fine_min + (fine_max - fine_min) // 2
        lines.append(gettext("从重处罚：在法定罚款幅度的上半幅内提出。"))

    if facts.already_fined_for_act and Measure.FINE in measures:
        measures.remove(Measure.FINE)
        fine_min = fine_max = 0
        lines.append(_line(gettext("%(penalty_law)s第二十九条：同一违法行为不得给予两次以上罚款，已罚款的不再罚款。")))

    order = list(MEASURE_LABELS)
    measures.sort(key=order.index)
    return Proposal(
        measures=tuple(measures),
        fine_min_fen=fine_min,
        fine_max_fen=fine_max,
        reasoning=tuple(lines),
        findings_in_window=n,
        ladder_step=step,
        aggravated=aggravated,
        stop_months=months,
    )


def hearing_right(
    measures: Sequence[str], fine_fen: int, *, organisation: bool, person_threshold: int, organisation_threshold: int
) -> bool:
    """The party may ask for a hearing: a large fine, revocation or a stop-operating order (行政处罚法 art. 63)."""
    if Measure.REVOKE in measures or Measure.STOP_OPERATING in measures:
        return True
    threshold = organisation_threshold if organisation else person_threshold
    return Measure.FINE in measures and fine_fen >= threshold
