"""The penalty calculator: per article, the local ladder, aggravating factors, one act one fine."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from shuangjian.enforcement.calculator import (
    LADDER_REVOKE,
    LADDER_STOP,
    LADDER_SUMMONS,
    Facts,
    Measure,
    Severity,
    Violation,
    hearing_right,
    propose,
)

D = datetime.date
LADDER = (LADDER_SUMMONS, LADDER_STOP, LADDER_REVOKE)
TODAY = D(2026, 6, 1)


def calc(**kw):
    kw.setdefault("on", TODAY)
    return propose(Facts(**kw), ladder=LADDER, window_years=2, stop_months=3)


def test_unlicensed_training_fines_one_to_five_times_the_illegal_income():
    p = calc(violations=(Violation.UNLICENSED,), illegal_income_fen=1_380_000)
    assert (p.fine_min_fen, p.fine_max_fen) == (1_380_000, 6_900_000)
    assert {Measure.BAN, Measure.REFUND, Measure.FINE, Measure.CONFISCATE} <= set(p.measures)
    assert any("第十七条" in line and "13,800.00元" in line for line in p.reasoning)


def test_unlicensed_training_without_known_income_proposes_no_fine():
    p = calc(violations=(Violation.UNLICENSED,))
    assert Measure.FINE not in p.measures
    assert (p.fine_min_fen, p.fine_max_fen) == (0, 0)


def test_disguised_training_by_severity():
    ordinary = calc(violations=(Violation.DISGUISED,))
    serious = calc(violations=(Violation.DISGUISED,), severity=Severity.SERIOUS)
    especially = calc(violations=(Violation.DISGUISED,), severity=Severity.ESPECIALLY_SERIOUS)
    assert Measure.WARNING in ordinary.measures and Measure.FINE not in ordinary.measures
    assert (serious.fine_min_fen, serious.fine_max_fen) == (0, 5_000_000)
    assert (especially.fine_min_fen, especially.fine_max_fen) == (5_000_000, 10_000_000)
    assert any("第十八条" in line for line in especially.reasoning)


def test_competition_warning_and_serious_fine():
    p = calc(violations=(Violation.COMPETITION,))
    assert Measure.REFUND in p.measures and Measure.FINE not in p.measures
    assert calc(violations=(Violation.COMPETITION,), severity=Severity.SERIOUS).fine_max_fen == 5_000_000


def test_ladder_third_finding_within_the_window_proposes_revocation():
    p = calc(violations=(Violation.DISGUISED,), prior_findings=(D(2025, 1, 5), D(2025, 9, 1)))
    assert p.findings_in_window == 3
    assert p.ladder_step == LADDER_REVOKE
    assert Measure.REVOKE in p.measures


def test_ladder_finding_outside_the_window_does_not_count():
    p = calc(violations=(Violation.DISGUISED,), prior_findings=(D(2024, 5, 31), D(2025, 9, 1)))
    assert p.findings_in_window == 2
    assert Measure.REVOKE not in p.measures
    assert Measure.STOP_OPERATING in p.measures and p.stop_months == 3


def test_window_boundary_day_counts():
    assert calc(violations=(Violation.DISGUISED,), prior_findings=(D(2024, 6, 1),)).findings_in_window == 2


def test_first_finding_is_a_summons_and_rectification():
    p = calc(violations=(Violation.DISGUISED,))
    assert p.ladder_step == LADDER_SUMMONS
    assert {Measure.SUMMONS, Measure.RECTIFY} <= set(p.measures)
    assert not p.aggravated


def test_in_service_teacher_aggravates_and_restricts_practice():
    plain = calc(violations=(Violation.DISGUISED,), severity=Severity.SERIOUS)
    teacher = calc(violations=(Violation.DISGUISED,), severity=Severity.SERIOUS, in_service_teacher=True)
    assert teacher.aggravated
    assert teacher.fine_min_fen > plain.fine_min_fen
    assert teacher.fine_max_fen == plain.fine_max_fen
    assert Measure.RESTRICT_PRACTICE in teacher.measures
    assert any("在职中小学教师" in line for line in teacher.reasoning)


def test_obstruction_aggravates():
    assert calc(violations=(Violation.COMPETITION,), obstruction=True).aggravated


def test_one_act_one_fine_takes_the_higher_rule_and_no_second_fine():
    both = calc(violations=(Violation.COMPETITION, Violation.UNLICENSED), illegal_income_fen=10_000_000)
    assert both.fine_max_fen == 50_000_000  # 5x income beats 50,000 yuan
    assert any("第二十九条" in line for line in both.reasoning)
    again = calc(violations=(Violation.UNLICENSED,), illegal_income_fen=100, already_fined_for_act=True)
    assert Measure.FINE not in again.measures and again.fine_max_fen == 0


@given(
    violation=st.sampled_from([Violation.UNLICENSED, Violation.DISGUISED, Violation.COMPETITION]),
    severity=st.sampled_from([Severity.ORDINARY, Severity.SERIOUS, Severity.ESPECIALLY_SERIOUS]),
    income=st.integers(min_value=0, max_value=10**10),
    teacher=st.booleans(),
    obstruction=st.booleans(),
    prior=st.lists(st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 5, 31)), max_size=6),
)
def test_every_proposal_stays_within_the_article_and_explains_itself(
    violation, severity, income, teacher, obstruction, prior
):
    p = calc(
        violations=(violation,),
        severity=severity,
        illegal_income_fen=income,
        in_service_teacher=teacher,
        obstruction=obstruction,
        prior_findings=tuple(prior),
    )
    assert 0 <= p.fine_min_fen <= p.fine_max_fen
    if violation == Violation.UNLICENSED:
        assert p.fine_max_fen == 5 * income
        assert p.fine_min_fen >= income
    elif violation == Violation.DISGUISED and severity == Severity.ESPECIALLY_SERIOUS:
        assert 5_000_000 <= p.fine_min_fen and p.fine_max_fen == 10_000_000
    else:
        assert p.fine_max_fen <= 5_000_000
    assert (Measure.FINE in p.measures) == (p.fine_max_fen > 0)
    in_window = sum(1 for d in prior if D(2024, 6, 1) <= d < TODAY)
    assert p.findings_in_window == in_window + 1
    assert (Measure.REVOKE in p.measures) == (in_window >= 2)
    assert p.aggravated == (teacher or obstruction or in_window >= 1)
    assert p.reasoning and all(isinstance(line, str) and line for line in p.reasoning)


def test_hearing_right():
    kw = {"person_threshold": 1_000_000, "organisation_threshold": 10_000_000}
    assert hearing_right([Measure.REVOKE], 0, organisation=True, **kw)
    assert hearing_right([Measure.STOP_OPERATING], 0, organisation=True, **kw)
    assert not hearing_right([Measure.WARNING], 0, organisation=True, **kw)
    assert not hearing_right([Measure.FINE], 9_999_999, organisation=True, **kw)
    assert hearing_right([Measure.FINE], 10_000_000, organisation=True, **kw)
    assert hearing_right([Measure.FINE], 1_000_000, organisation=False, **kw)
