"""The pure pieces of bulletins, over generated inputs: the trend's months, the ID-number blanking and the case
sentence."""

from __future__ import annotations

import datetime
import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from shuangjian.core.validators import make_resident_id
from shuangjian.oversight.bulletins import _months_back, _no_id_number, case_text

days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31))


@given(end=days, months=st.integers(min_value=1, max_value=24))
def test_the_trend_covers_whole_consecutive_months_up_to_the_period_s_end(end: datetime.date, months: int) -> None:
    spans = _months_back(end, months)
    assert len(spans) == months
    assert spans[-1] == (end.replace(day=1), end)
    for first, last in spans:
        assert first.day == 1 and first <= last and (first.year, first.month) == (last.year, last.month)
    for (_a, last), (first, _b) in itertools.pairwise(spans):
        assert first - last == datetime.timedelta(days=1)  # a month ends the day before the next one starts


@given(
    before=st.text(alphabet="王某违法培训，。0123", max_size=10),
    after=st.text(alphabet="王某违法培训，。", max_size=10),
    birth=days,
    serial=st.integers(min_value=0, max_value=999),
)
def test_no_id_number_survives_in_a_case_s_text(before: str, after: str, birth: datetime.date, serial: int) -> None:
    rid = make_resident_id(f"410202{birth:%Y%m%d}{serial:03d}")
    text = _no_id_number(before + rid + after)
    # Blanked even when run together with other digits; the words around it stay.
    assert rid not in text and not re.search(r"[0-9]{17}", text)
    assert text.endswith(after) and text.startswith(before.rstrip("0123"))


@given(
    name=st.text(alphabet="顺风培训学校王*", min_size=1, max_size=12),
    summary=st.text(alphabet="以思维训练名义开展培训。", min_size=1, max_size=30),
    measures=st.sampled_from(["", "警告", "警告、罚款（罚款20,000.00元）"]),
    basis=st.sampled_from(["", "《校外培训行政处罚暂行办法》第十八条：情节严重的，处5万元以下罚款"]),
)
def test_a_case_sentence_names_who_what_basis_and_measures(name: str, summary: str, measures: str, basis: str) -> None:
    case = {"name": name, "violation": "以隐蔽方式开展学科类校外培训", "summary": summary}
    text = case_text(2, {**case, "measures": measures, "basis": basis})
    assert text.startswith(f"（三）{name}以隐蔽方式开展学科类校外培训案。")
    assert summary.strip().strip("。") in text and "案。。" not in text and "。。给予" not in text
    assert ("给予" + measures in text) == bool(measures)
    assert ("第十八条" in text) == bool(basis) and "情节严重的" not in text
