"""The penalty calculator to the fen and to the word: whole proposals (measures in order, the fine range, every
line of reasoning with its source and numbers) at the edges of each article, the ladder and the aggravations."""

from __future__ import annotations

import datetime

import pytest

from shuangjian.enforcement.calculator import (
    LADDER_REVOKE,
    LADDER_STOP,
    LADDER_SUMMONS,
    Facts,
    Measure,
    Proposal,
    Severity,
    Violation,
    findings_in_window,
    hearing_right,
    propose,
)

D = datetime.date
LADDER = (LADDER_SUMMONS, LADDER_STOP, LADDER_REVOKE)
TODAY = D(2026, 6, 1)

MOE53 = "《校外培训行政处罚暂行办法》（教育部令第53号）"
LAW = "《中华人民共和国行政处罚法》（2021修订）"
NC = "南昌市校外培训分级处置做法"
ART17 = f"{MOE53}第十七条：未经许可开展校外培训的，予以取缔，退还所收费用。"
NO_INCOME = "未查明违法所得，不提出按违法所得倍数计算的罚款。"
ART18_ORDINARY = f"{MOE53}第十八条：以隐蔽方式开展学科类培训的，责令改正，给予警告。"
ART18_SERIOUS = f"{MOE53}第十八条：情节严重的，处5万元以下罚款。"
ART18_ESPECIALLY = f"{MOE53}第十八条：情节特别严重的，处5万元以上10万元以下罚款。"
COMPETITION = f"{MOE53}：未经审批组织面向中小学生的社会性竞赛的，退还所收费用，给予警告或者通报批评。"
COMPETITION_SERIOUS = f"{MOE53}：情节严重的，处5万元以下罚款。"
FIRST = f"{NC}：首次查实的，约谈并责令整改。"
THIRD = f"{NC}：第三次及以上查实的，吊销办学许可证。"
TEACHER = f"{MOE53}：有在职中小学教师参与，从重处罚；对相关人员限制从业。"
OBSTRUCTION = f"{MOE53}：拒绝、阻碍执法检查，从重处罚。"
UPPER_HALF = "从重处罚：在法定罚款幅度的上半幅内提出。"
HIGHER_FINE = f"{LAW}第二十九条：同一违法行为违反多个法律规范应当给予罚款处罚的，按照罚款数额高的规定处罚。"
NO_SECOND_FINE = f"{LAW}第二十九条：同一违法行为不得给予两次以上罚款，已罚款的不再罚款。"


def nth(n: int, years: int = 2) -> str:
    return f"{years}年内第{n}次查实违法行为（{NC}）。"


def again(years: int = 2) -> str:
    return f"{MOE53}：{years}年内再次违法，从重处罚。"


def stop(months: int) -> str:
    return f"{NC}：第二次查实的，停业整改，{months}个月内不得开展培训。"


def calc(*violations: str, ladder=LADDER, window_years: int = 2, stop_months: int = 6, **kw) -> Proposal:
    kw.setdefault("on", TODAY)
    return propose(
        Facts(violations=violations, **kw), ladder=ladder, window_years=window_years, stop_months=stop_months
    )


def test_unlicensed_with_income_fines_one_to_five_times_to_the_fen():
    assert calc(Violation.UNLICENSED, illegal_income_fen=1_380_001) == Proposal(
        measures=(Measure.FINE, Measure.CONFISCATE, Measure.BAN, Measure.REFUND, Measure.RECTIFY, Measure.SUMMONS),
        fine_min_fen=1_380_001,
        fine_max_fen=6_900_005,
        reasoning=(
            ART17,
            f"{MOE53}第十七条：对举办者处违法所得1倍以上5倍以下罚款；违法所得13,800.01元，"
            "罚款幅度13,800.01元至69,000.05元。",
            nth(1),
            FIRST,
        ),
        findings_in_window=1,
        ladder_step=LADDER_SUMMONS,
        aggravated=False,
        stop_months=0,
    )


@pytest.mark.parametrize("income", [0, -5])
def test_unlicensed_without_income_proposes_no_fine(income):
    p = calc(Violation.UNLICENSED, illegal_income_fen=income)
    assert p.measures == (Measure.BAN, Measure.REFUND, Measure.RECTIFY, Measure.SUMMONS)
    assert (p.fine_min_fen, p.fine_max_fen) == (0, 0)
    assert p.reasoning == (ART17, NO_INCOME, nth(1), FIRST)


def test_unlicensed_with_one_fen_of_income_is_fined():
    p = calc(Violation.UNLICENSED, illegal_income_fen=1)
    assert (p.fine_min_fen, p.fine_max_fen) == (1, 5)
    assert Measure.FINE in p.measures and Measure.CONFISCATE in p.measures


@pytest.mark.parametrize(
    ("severity", "measures", "fine", "line"),
    [
        (Severity.ORDINARY, (Measure.WARNING, Measure.RECTIFY, Measure.SUMMONS), (0, 0), ART18_ORDINARY),
        (
            Severity.SERIOUS,
            (Measure.WARNING, Measure.FINE, Measure.RECTIFY, Measure.SUMMONS),
            (0, 5_000_000),
            ART18_SERIOUS,
        ),
        (
            Severity.ESPECIALLY_SERIOUS,
            (Measure.WARNING, Measure.FINE, Measure.RECTIFY, Measure.SUMMONS),
            (5_000_000, 10_000_000),
            ART18_ESPECIALLY,
        ),
    ],
)
def test_disguised_training_by_severity_whole_proposal(severity, measures, fine, line):
    p = calc(Violation.DISGUISED, severity=severity)
    assert p.measures == measures
    assert (p.fine_min_fen, p.fine_max_fen) == fine
    assert p.reasoning == (line, nth(1), FIRST)
    assert not p.aggravated


@pytest.mark.parametrize(
    ("severity", "fined"),
    [(Severity.ORDINARY, False), (Severity.SERIOUS, True), (Severity.ESPECIALLY_SERIOUS, True)],
)
def test_competition_by_severity_whole_proposal(severity, fined):
    p = calc(Violation.COMPETITION, severity=severity)
    fine = (Measure.FINE,) if fined else ()
    assert p.measures == (Measure.WARNING, *fine, Measure.REFUND, Measure.RECTIFY, Measure.SUMMONS)
    assert (p.fine_min_fen, p.fine_max_fen) == ((0, 5_000_000) if fined else (0, 0))
    assert p.reasoning == (COMPETITION, *((COMPETITION_SERIOUS,) if fined else ()), nth(1), FIRST)


def test_unknown_violation_and_no_violation_are_refused():
    with pytest.raises(ValueError, match=r"^unknown violation 'bribery'$"):
        calc("bribery")
    with pytest.raises(ValueError, match=r"^no violation given$"):
        calc()


def test_second_finding_stops_operating_for_the_configured_months_and_aggravates_to_the_upper_half():
    p = calc(Violation.COMPETITION, severity=Severity.SERIOUS, prior_findings=(D(2025, 1, 1),), stop_months=6)
    assert p == Proposal(
        measures=(Measure.WARNING, Measure.FINE, Measure.STOP_OPERATING, Measure.REFUND, Measure.RECTIFY),
        fine_min_fen=2_500_000,
        fine_max_fen=5_000_000,
        reasoning=(COMPETITION, COMPETITION_SERIOUS, nth(2), stop(6), again(), UPPER_HALF),
        findings_in_window=2,
        ladder_step=LADDER_STOP,
        aggravated=True,
        stop_months=6,
    )


def test_upper_half_rounds_the_lower_bound_down_to_the_fen():
    # 1..5 fen: the upper half starts at 1 + 4 // 2 = 3 fen.
    p = calc(Violation.UNLICENSED, illegal_income_fen=1, obstruction=True)
    assert (p.fine_min_fen, p.fine_max_fen) == (3, 5)
    assert type(p.fine_min_fen) is int  # whole fen, never 3.0
    # 3..15 fen: 3 + 12 // 2 = 9 fen; 7..35: 7 + 14 = 21.
    assert calc(Violation.UNLICENSED, illegal_income_fen=3, obstruction=True).fine_min_fen == 9
    assert calc(Violation.UNLICENSED, illegal_income_fen=7, in_service_teacher=True).fine_min_fen == 21


def test_fourth_finding_still_revokes_and_an_unfined_aggravation_says_nothing_of_the_upper_half():
    p = calc(Violation.DISGUISED, prior_findings=(D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)))
    assert p == Proposal(
        measures=(Measure.WARNING, Measure.REVOKE, Measure.RECTIFY),
        fine_min_fen=0,
        fine_max_fen=0,
        reasoning=(ART18_ORDINARY, nth(4), THIRD, again()),
        findings_in_window=4,
        ladder_step=LADDER_REVOKE,
        aggravated=True,
        stop_months=0,
    )


def test_third_finding_revokes():
    p = calc(Violation.DISGUISED, prior_findings=(D(2025, 1, 1), D(2025, 2, 1)))
    assert p.ladder_step == LADDER_REVOKE and p.findings_in_window == 3
    assert p.reasoning == (ART18_ORDINARY, nth(3), THIRD, again())
    assert p.stop_months == 0


def test_without_a_ladder_no_step_is_proposed():
    p = calc(Violation.DISGUISED, ladder=())
    assert p.ladder_step == ""
    assert p.measures == (Measure.WARNING, Measure.RECTIFY)
    assert p.reasoning == (ART18_ORDINARY, nth(1))


def test_a_two_step_ladder_keeps_its_last_step_for_later_findings():
    p = calc(Violation.DISGUISED, ladder=(LADDER_SUMMONS, LADDER_STOP), prior_findings=(D(2025, 1, 1), D(2025, 2, 1)))
    assert p.ladder_step == LADDER_STOP and p.findings_in_window == 3
    assert p.stop_months == 6


def test_the_window_length_is_the_setting_and_named_in_the_reasoning():
    p = calc(Violation.DISGUISED, window_years=3, prior_findings=(D(2023, 6, 1),))
    assert p.findings_in_window == 2
    assert nth(2, 3) in p.reasoning and again(3) in p.reasoning


def test_every_aggravation_and_one_act_one_fine_together():
    p = calc(
        Violation.DISGUISED,
        Violation.UNLICENSED,
        Violation.DISGUISED,
        severity=Severity.SERIOUS,
        illegal_income_fen=1_000_000,
        in_service_teacher=True,
        obstruction=True,
        already_fined_for_act=True,
    )
    assert p == Proposal(
        measures=(
            Measure.WARNING,
            Measure.CONFISCATE,
            Measure.RESTRICT_PRACTICE,
            Measure.BAN,
            Measure.REFUND,
            Measure.RECTIFY,
            Measure.SUMMONS,
        ),
        fine_min_fen=0,
        fine_max_fen=0,
        reasoning=(
            HIGHER_FINE,
            ART17,
            f"{MOE53}第十七条：对举办者处违法所得1倍以上5倍以下罚款；违法所得10,000.00元，"
            "罚款幅度10,000.00元至50,000.00元。",
            nth(1),
            FIRST,
            TEACHER,
            OBSTRUCTION,
            UPPER_HALF,
            NO_SECOND_FINE,
        ),
        findings_in_window=1,
        ladder_step=LADDER_SUMMONS,
        aggravated=True,
        stop_months=0,
    )


@pytest.mark.parametrize(
    "violations",
    [(Violation.UNLICENSED, Violation.DISGUISED), (Violation.DISGUISED, Violation.UNLICENSED)],
)
def test_equal_top_fines_pick_the_higher_lower_bound_in_either_order(violations):
    # Unlicensed with 10,000 yuan: 10,000–50,000 yuan; serious disguised training: 0–50,000 yuan.
    p = calc(*violations, severity=Severity.SERIOUS, illegal_income_fen=1_000_000)
    assert (p.fine_min_fen, p.fine_max_fen) == (1_000_000, 5_000_000)
    assert p.reasoning[:2] == (HIGHER_FINE, ART17)
    # The other norm's orders still apply; a fine is proposed once.
    assert p.measures == (
        Measure.WARNING,
        Measure.FINE,
        Measure.CONFISCATE,
        Measure.BAN,
        Measure.REFUND,
        Measure.RECTIFY,
        Measure.SUMMONS,
    )


def test_a_repeated_norm_is_one_norm():
    p = calc(Violation.DISGUISED, Violation.DISGUISED)
    assert HIGHER_FINE not in p.reasoning
    assert p.reasoning == (ART18_ORDINARY, nth(1), FIRST)


def test_already_fined_without_a_fine_proposed_says_nothing():
    p = calc(Violation.DISGUISED, already_fined_for_act=True)
    assert NO_SECOND_FINE not in p.reasoning


def test_teacher_already_restricted_is_listed_once():
    p = calc(Violation.DISGUISED, in_service_teacher=True)
    assert p.measures.count(Measure.RESTRICT_PRACTICE) == 1
    assert p.reasoning == (ART18_ORDINARY, nth(1), FIRST, TEACHER)
    assert p.aggravated


def test_measures_text_joins_the_labels_in_order():
    assert calc(Violation.DISGUISED, ladder=()).measures_text == "警告、责令改正"


@pytest.mark.parametrize(
    ("prior", "count"),
    [
        ((D(2024, 6, 1),), 2),  # the window's first day counts
        ((D(2024, 5, 31),), 1),  # the day before does not
        ((TODAY,), 1),  # the same day is this finding, not an earlier one
        ((D(2026, 5, 31), D(2025, 1, 1)), 3),
        ((D(2026, 6, 2),), 1),  # a later date is not an earlier finding
    ],
)
def test_findings_in_window_edges(prior, count):
    assert findings_in_window(TODAY, prior, 2) == count


def test_findings_in_window_from_a_29_february():
    # Two years before 29 Feb 2028 is 28 Feb 2026.
    assert findings_in_window(D(2028, 2, 29), (D(2026, 2, 28),), 2) == 2
    assert findings_in_window(D(2028, 2, 29), (D(2026, 2, 27),), 2) == 1


KW = {"person_threshold": 1_000_000, "organisation_threshold": 10_000_000}


@pytest.mark.parametrize(
    ("measures", "fine", "organisation", "right"),
    [
        ([Measure.REVOKE], 0, False, True),
        ([Measure.STOP_OPERATING], 0, False, True),
        ([Measure.WARNING, Measure.RECTIFY], 50_000_000, True, False),  # no fine in the decision
        ([Measure.FINE], 999_999, False, False),  # a person: one fen under 10,000 yuan
        ([Measure.FINE], 1_000_000, False, True),
        ([Measure.FINE], 9_999_999, True, False),  # an organisation: one fen under 100,000 yuan
        ([Measure.FINE], 10_000_000, True, True),
    ],
)
def test_hearing_right_edges(measures, fine, organisation, right):
    assert hearing_right(measures, fine, organisation=organisation, **KW) is right


def test_the_reasoning_and_measures_read_in_the_readers_language():
    from django.utils import translation

    with translation.override("en"):
        proposal = calc(Violation.UNLICENSED)
        first, measures = proposal.reasoning[0], proposal.measures_text
    assert first.startswith("Interim Measures on Administrative Penalties for Off-Campus Training")
    assert "article 17" in first and "第十七条" not in first
    assert measures.startswith("Ban, Refund of fees collected")
    assert calc(Violation.UNLICENSED).reasoning[0] == ART17  # and unchanged in Chinese
