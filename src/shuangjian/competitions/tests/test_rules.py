"""The filing rules, pure: a fee or a certificate without the admission statement is refused with the rule named."""

from __future__ import annotations

import datetime

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from shuangjian.competitions import rules
from shuangjian.competitions.rules import CompetitionFacts, check_competition, normalise_filing_no

DAY = datetime.date(2026, 5, 16)
OK_TEXT = "本证书仅记录参赛经历，不作为招生入学依据。"


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


def codes(found: list[rules.Violation]) -> list[str]:
    return [v.code for v in found]


def test_a_free_filing_with_the_statement_passes() -> None:
    assert check_competition(facts()) == []


def test_a_fee_is_refused_naming_the_rule_and_its_basis() -> None:
    found = check_competition(facts(fee_fen=5000))
    assert codes(found) == ["competition.fee_charged"]
    assert found[0].field == "fee_fen"
    assert "50.00" in found[0].message and "竞赛活动管理办法" in found[0].basis


def test_a_certificate_without_the_admission_statement_is_refused() -> None:
    found = check_competition(facts(certificate_text="荣获一等奖，特发此证。"))
    assert codes(found) == ["competition.certificate_admission_statement_missing"]
    assert found[0].field == "certificate_text"


def test_both_broken_rules_are_reported_together() -> None:
    found = check_competition(facts(fee_fen=1, certificate_text="获奖证书"))
    assert set(codes(found)) == {"competition.fee_charged", "competition.certificate_admission_statement_missing"}


def test_spacing_punctuation_and_full_width_do_not_hide_the_statement() -> None:
    assert check_competition(facts(certificate_text="注：本结果 不 作为“招生、入学”依据")) == []
    assert check_competition(facts(certificate_text="本结果不作为升学依据．")) == []


@override_settings(COMPETITIONS_CERTIFICATE_STATEMENTS=["与升学无关"])
def test_the_accepted_phrasings_are_a_setting() -> None:
    assert check_competition(facts(certificate_text="本活动结果与升学无关。")) == []
    assert codes(check_competition(facts())) == ["competition.certificate_admission_statement_missing"]


def test_dates_and_levels() -> None:
    found = check_competition(facts(ends_on=DAY - datetime.timedelta(days=1), levels=()))
    assert set(codes(found)) == {"competition.ends_before_start", "competition.levels_missing"}


@given(fee=st.integers(min_value=-(10**9), max_value=10**9).filter(lambda n: n != 0))
def test_any_fee_but_zero_is_refused(fee: int) -> None:
    assert "competition.fee_charged" in codes(rules.check_fee(facts(fee_fen=fee)))


@given(
    before=st.text(max_size=40), after=st.text(max_size=40), statement=st.sampled_from(rules.certificate_statements())
)
def test_a_statement_anywhere_in_the_text_is_found(before: str, after: str, statement: str) -> None:
    assert rules.check_certificate(facts(certificate_text=before + statement + after)) == []


@given(text=st.text(alphabet=st.characters(blacklist_characters="依据"), max_size=200))
def test_a_text_without_the_word_basis_never_passes(text: str) -> None:
    # Every accepted phrasing says 依据 (basis): a text without that word cannot state it.
    assert codes(rules.check_certificate(facts(certificate_text=text))) == [
        "competition.certificate_admission_statement_missing"
    ]


@given(seq=st.integers(min_value=1, max_value=9999), spaces=st.sampled_from(["", " ", "  ", "\u3000"]))
def test_a_filing_number_typed_off_a_flyer_normalises_to_the_stored_key(seq: int, spaces: str) -> None:
    printed = f"JS-410202-2026-{seq:04d}"
    typed = printed.lower().replace("-", spaces + "－" + spaces)  # full-width dash, spaces, lower case
    assert normalise_filing_no(typed) == normalise_filing_no(printed)
