"""Every refusal of a competition filing whole: code, message with its numbers, basis and field; the edges of
the fee (one fen), the dates (one day), the certificate statement (punctuation, full width, an empty phrasing)."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from shuangjian.competitions.rules import (
    CompetitionFacts,
    certificate_statements,
    check_certificate,
    check_competition,
    check_fee,
    check_shape,
    cycle_of,
    normalise_filing_no,
    states_not_admission_basis,
)
from shuangjian.core.rules import Violation

DAY = datetime.date(2026, 5, 16)
OK_TEXT = "本证书仅记录参赛经历，不作为招生入学依据。"
BASIS = "教育部《面向中小学生的全国性竞赛活动管理办法》；郑州市竞赛活动管理规定"


def facts(**changes: object) -> CompetitionFacts:
    values: dict[str, object] = {
        "name": "青少年科技创新大赛",
        "fee_fen": 0,
        "certificate_text": OK_TEXT,
        "levels": ("五年级",),
        "starts_on": DAY,
        "ends_on": DAY,
    }
    values.update(changes)
    return CompetitionFacts(**values)  # type: ignore[arg-type]


def fee_charged(yuan: str) -> Violation:
    return Violation(
        "competition.fee_charged",
        f"面向中小学生的竞赛活动不得收取任何费用（本申报填写报名费 {yuan} 元）。",
        BASIS,
        "fee_fen",
    )


def statement_missing(example: str = "不作为招生入学依据") -> Violation:
    return Violation(
        "competition.certificate_admission_statement_missing",
        f"证书文字须注明竞赛结果不作为招生入学依据（如“{example}”）。",
        BASIS,
        "certificate_text",
    )


ENDS_BEFORE = Violation("competition.ends_before_start", "结束日期不得早于开始日期。", "", "ends_on")
NO_LEVELS = Violation("competition.levels_missing", "请选择参赛年级。", "", "levels")


@pytest.mark.parametrize(("fee", "yuan"), [(1, "0.01"), (5_000, "50.00"), (123_456, "1234.56"), (-1, "-0.01")])
def test_any_fee_is_refused_with_its_amount(fee, yuan):
    assert check_fee(facts(fee_fen=fee)) == [fee_charged(yuan)]


def test_no_fee_passes():
    assert check_fee(facts(fee_fen=0)) == []


def test_every_refusal_together_in_order():
    found = check_competition(
        facts(fee_fen=2_000, certificate_text="优秀奖", levels=(), ends_on=DAY - datetime.timedelta(days=1))
    )
    assert found == [ENDS_BEFORE, NO_LEVELS, fee_charged("20.00"), statement_missing()]


def test_a_one_day_competition_ends_on_its_start_day():
    assert check_shape(facts(ends_on=DAY)) == []
    assert check_shape(facts(ends_on=DAY - datetime.timedelta(days=1))) == [ENDS_BEFORE]
    assert check_shape(facts(levels=())) == [NO_LEVELS]


def test_the_example_in_the_refusal_is_the_first_accepted_phrasing():
    assert check_certificate(facts(certificate_text="优秀奖"), ["与升学无关", "不计入升学"]) == [
        statement_missing("与升学无关")
    ]
    assert check_certificate(facts(certificate_text="优秀奖"), []) == [statement_missing("")]


@override_settings(COMPETITIONS_CERTIFICATE_STATEMENTS=["  ", "与升学无关", ""])
def test_blank_phrasings_in_the_setting_are_ignored():
    assert certificate_statements() == ["与升学无关"]
    assert check_certificate(facts(certificate_text="优秀奖")) == [statement_missing("与升学无关")]
    assert check_certificate(facts(certificate_text="本结果与升学无关")) == []


def test_an_empty_phrasing_never_matches():
    assert not states_not_admission_basis("优秀奖", [""])
    assert not states_not_admission_basis("优秀奖", ["，。 "])  # punctuation only is no statement
    assert states_not_admission_basis("优秀奖。不作为升学依据", ["", "不作为升学依据"])


@pytest.mark.parametrize(
    "text",
    [
        "不作为\u3000招生入学依据",
        "不作为招生（入学）依据",
        "不作为【招生】·入学—依据…",
        "不作为“招生”‘入学’依据",
        "不作为招生；入学：依据！",
        "ＮＯＴ不作为招生入学依据",  # full width letters around it
        "不作为招生-入学_依据".replace("_", ""),
        "不作为招生\t入学\n依据",
        "不作为招生,入学;依据?",
        "不作为《招生》[入学]依据",
    ],
)
def test_punctuation_and_spacing_do_not_hide_the_statement(text):
    assert states_not_admission_basis(text, ["不作为招生入学依据"])


def test_other_words_in_between_do_hide_it():
    assert not states_not_admission_basis("不作为招生或入学依据", ["不作为招生入学依据"])


def test_full_width_statement_matches_half_width_text():
    assert states_not_admission_basis("结果不作为ABC依据", ["不作为ＡＢＣ依据"])


def test_cycle_is_the_start_year():
    assert cycle_of(datetime.date(2026, 12, 31)) == 2026
    assert cycle_of(datetime.date(2027, 1, 1)) == 2027


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ｊｙ－２０２６ — ０１２", "JY-2026—012".replace("-", "").replace("—", "")),
        ("jy 2026_01·2", "JY2026012"),
        ("jy\u30002026-012", "JY2026012"),
        ("JY2026012", "JY2026012"),
    ],
)
def test_filing_numbers_normalise(typed, stored):
    assert normalise_filing_no(typed) == stored


def test_check_competition_uses_the_phrasings_passed_in():
    assert check_competition(facts(certificate_text="本活动结果与升学无关。"), ["与升学无关"]) == []
    assert check_competition(facts(), ["与升学无关"]) == [statement_missing("与升学无关")]
