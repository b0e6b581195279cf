"""The public search's per-row standing memo (``standing.public_standing``) against the definitions it stands for."""

from __future__ import annotations

import datetime

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.registry import standing
from shuangjian.registry.models import InspectionResult, InstitutionStatus, SupervisionMode

TODAY = datetime.date(2026, 12, 4)
_near = st.one_of(
    st.none(),
    st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2028, 12, 31)),
    st.sampled_from([TODAY - datetime.timedelta(days=1), TODAY, TODAY + datetime.timedelta(days=1)]),
    st.sampled_from([datetime.date(2023, 12, 31), datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)]),
)
facts_strategy = st.builds(
    standing.StandingFacts,
    status=st.sampled_from(InstitutionStatus.values),
    licence_no=st.sampled_from([None, "", "教民141020270000001号", "X"]),
    licence_issued_on=_near,
    licence_expires_on=_near,
    supervision_mode=st.sampled_from(SupervisionMode.values),
    blacklisted=st.booleans(),
    inspected_since=st.booleans(),
    latest_result=st.sampled_from([None, *InspectionResult.values]),
    has_violations=st.booleans(),
    today=st.sampled_from([TODAY, TODAY + datetime.timedelta(days=1), datetime.date(2027, 1, 1)]),
)


def expected(facts: standing.StandingFacts) -> tuple[bool, list[dict[str, str]]]:
    return standing.is_whitelisted(facts), [f.as_dict() for f in standing.status_summary(facts)]


@settings(max_examples=400)
@given(facts=facts_strategy, first=facts_strategy, language=st.sampled_from(["zh-hans", "en"]))
def test_memo_answers_what_the_definitions_answer_whatever_was_asked_before(
    facts: standing.StandingFacts, first: standing.StandingFacts, language: str
) -> None:
    # ``first`` fills the memo with another institution's answer, which may share its key: the second answer must
    # still be ``facts``' own (a key missing something the definitions read would show here).
    with translation.override(language):
        standing.public_standing(first)
        whitelisted, summary = standing.public_standing(facts)
        assert (whitelisted, list(summary)) == expected(facts)


def test_memo_labels_follow_the_language() -> None:
    facts = standing.StandingFacts(
        status=InstitutionStatus.ACTIVE,
        licence_no=None,
        licence_issued_on=None,
        licence_expires_on=None,
        supervision_mode=SupervisionMode.NONE,
        blacklisted=True,
        inspected_since=False,
        latest_result=None,
        has_violations=False,
        today=TODAY,
    )
    with translation.override("zh-hans"):
        chinese = standing.public_standing(facts)[1][0]["label"]
    with translation.override("en"):
        english = standing.public_standing(facts)[1][0]["label"]
    assert chinese == "黑名单"
    assert english != chinese
