"""Typical cases from the exposure board and the charts: the bulletin cites the penalty cases published in its
period and division (a person only by masked name, never an ID number) on its page, in Word and on the portal;
the Word file carries the charts as images drawn from the stored figures, the same every time."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.document import Document as DocumentObject
from PIL import Image

from shuangjian.core.models import User
from shuangjian.enforcement import cases
from shuangjian.enforcement.calculator import Measure
from shuangjian.enforcement.models import CaseDocumentKind, PenaltyCase
from shuangjian.enforcement.subjects import Subject
from shuangjian.enforcement.tests.case_factories import FILED, D, served
from shuangjian.oversight import bulletins
from shuangjian.oversight.bulletin_chart_png import chart_font_available, chart_png
from shuangjian.oversight.bulletin_charts import bulletin_charts
from shuangjian.oversight.bulletin_documents import bulletin_docx
from shuangjian.oversight.models import Bulletin
from shuangjian.registry.tests.factories import InstitutionFactory
from shuangjian.staff.tests.factories import PersonFactory

from .bulletin_helpers import county_data, draft, regulator, week

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def _institution_case(reg: User, name: str, *, division: str = "410202", on: datetime.date = YESTERDAY) -> PenaltyCase:
    inst = InstitutionFactory.create(name=name, division_code=division)
    case = served(reg, inst)
    return cases.case_publish(actor=reg, case=case, summary="以思维训练名义开展初中数学培训", on=on)


def _person_case(reg: User) -> tuple[PenaltyCase, str, str]:
    person = PersonFactory.create(name="王小明")
    case = cases.case_file(
        actor=reg,
        subject=Subject.of_person(person, division_code="410202"),
        violation="disguised",
        act_on=D(2026, 2, 1),
        facts=f"在职教师{person.name}（身份证号{person.resident_id}）有偿补课",
        basis=f"《校外培训行政处罚暂行办法》第十八条（当事人身份证号{person.resident_id}）",
        in_service_teacher=True,
        filed_on=FILED,
    )
    cases.case_transition(actor=reg, case=case, action="investigate", on=FILED)
    cases.case_propose(actor=reg, case=case, measures=[Measure.RESTRICT_PRACTICE], departure_reason="限制从业")
    cases.case_document_issue(actor=reg, case=case, kind=CaseDocumentKind.NOTICE, on=D(2026, 3, 9))
    cases.case_transition(actor=reg, case=case, action="notify", on=D(2026, 3, 9))
    cases.case_transition(actor=reg, case=case, action="decide", on=D(2026, 3, 20))
    cases.case_transition(actor=reg, case=case, action="serve", on=D(2026, 3, 23))
    cases.case_publish(actor=reg, case=case, summary="在职教师有偿补课", on=YESTERDAY)
    return case, person.name, person.resident_id


def _docx(data: bytes) -> tuple[str, DocumentObject]:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts), doc


def _image_blobs(doc: DocumentObject) -> list[bytes]:
    """The images' bytes, in the order the inline shapes appear."""
    ids = [shape._inline.graphic.graphicData.pic.blipFill.blip.embed for shape in doc.inline_shapes]
    return [doc.part.related_parts[rid].blob for rid in ids]


# --- typical cases --------------------------------------------------------------------------------------------


def test_typical_cases_are_the_division_s_cases_published_in_the_period() -> None:
    reg = regulator()
    county_data(reg)
    shown = _institution_case(reg, "顺风培训学校")
    _institution_case(reg, "去年培训学校", on=week()[0] - datetime.timedelta(days=1))  # before the period
    other = regulator("b_xf", "410212")
    _institution_case(other, "祥符培训中心", division="410212")  # another county
    unpublished = served(reg, InstitutionFactory.create(name="未公开培训学校"))
    b = draft(reg)
    rows = b.figure("typical_cases")
    assert [r["name"] for r in rows] == ["顺风培训学校"]
    row = rows[0]
    assert row["violation"] == "以隐蔽方式开展学科类校外培训"
    assert row["summary"] == "以思维训练名义开展初中数学培训"
    assert "警告" in row["measures"] and "罚款20,000.00元" in row["measures"]
    assert row["decision_no"] == shown.decision_number and row["published_on"] == YESTERDAY.isoformat()
    assert "（一）顺风培训学校以隐蔽方式开展学科类校外培训案。以思维训练名义开展初中数学培训。" in b.cases_text
    assert "给予" in b.cases_text and "未公开" not in b.cases_text
    # The city's bulletin cites both counties' cases of the period.
    city = draft(regulator("b_city", "4102"), "4102")
    assert {r["name"] for r in city.figure("typical_cases")} == {"顺风培训学校", "祥符培训中心"}
    assert unpublished.published_on is None


def test_regenerating_reproduces_the_cases_until_the_board_changes() -> None:
    reg = regulator()
    county_data(reg)
    case = _institution_case(reg, "顺风培训学校")
    b = bulletins.bulletin_publish(actor=reg, bulletin=draft(reg))
    b.refresh_from_db()
    assert bulletins.bulletin_figures_regenerate(b) == b.figures
    # A case published after the period does not join the regenerated list (its institution, registered now,
    # moves the institution count of a period ending today, not the cases).
    _institution_case(reg, "后来培训学校", on=timezone.localdate() + datetime.timedelta(days=1))
    assert figure(bulletins.bulletin_figures_regenerate(b), "typical_cases") == b.figure("typical_cases")
    # The stored limit, not today's setting, decides how many cases the regenerated list holds.
    _institution_case(reg, "又一培训学校")
    with override_settings(BULLETIN_TYPICAL_CASES=1):
        short = draft(reg)
        assert len(short.figure("typical_cases")) == 1
        assert len(figure(bulletins.bulletin_figures_regenerate(b), "typical_cases")) == 2
    # Taken off the board: regenerating tells (the stored bulletin keeps what it printed).
    cases.case_unpublish(actor=reg, case=case, reason="复议撤销")
    regenerated = figure(bulletins.bulletin_figures_regenerate(b), "typical_cases")
    assert [r["name"] for r in regenerated] == ["又一培训学校"]
    assert [r["name"] for r in b.figure("typical_cases")] == ["顺风培训学校"]


def test_a_bulletin_stored_before_the_cases_landed_regenerates_without_error() -> None:
    reg = regulator()
    county_data(reg)
    _institution_case(reg, "顺风培训学校")
    b = draft(reg)
    start, end = week()
    old = {"division": "410202", "start": start.isoformat(), "end": end.isoformat()}
    b.figures = [f for f in b.figures if f["name"] != "monthly_trend"]
    for f in b.figures:
        if f["name"] == "typical_cases":
            f["params"], f["result"] = old, []
    regenerated = figure(bulletins.bulletin_figures_regenerate(b), "typical_cases")
    assert [r["name"] for r in regenerated] == ["顺风培训学校"]
    # Without the trend figure, the page and Word show the county chart only when there are counties to compare.
    assert bulletins.bulletin_charts_of(b) == []


def figure(figures: list[dict[str, Any]], name: str) -> Any:
    return next(f["result"] for f in figures if f["name"] == name)


def test_a_person_is_cited_by_masked_name_and_never_by_id_number_anywhere(client: Client) -> None:
    reg = regulator()
    county_data(reg)
    _case, name, resident_id = _person_case(reg)
    b = bulletins.bulletin_publish(actor=reg, bulletin=draft(reg))
    stored = json.dumps(b.figures, ensure_ascii=False) + b.cases_text
    assert "王**" in stored and name not in stored and resident_id not in stored
    text, _doc = _docx(bulletin_docx(b))
    assert "王**" in text and "在职教师有偿补课" in text and name not in text and resident_id not in text
    client.force_login(reg)
    page = client.get(reverse("oversight:bulletin_detail", args=[b.pk])).content.decode()
    client.logout()
    public = client.get(reverse("portal:bulletin", args=[b.pk])).content.decode()
    for html in (page, public):
        assert 'data-testid="cases"' in html and "王**" in html and "在职教师有偿补课" in html
        assert "第十八条" in html  # the basis, first line
        assert name not in html and resident_id not in html


def test_the_page_and_word_show_the_cases_table() -> None:
    reg = regulator()
    county_data(reg)
    case = _institution_case(reg, "顺风培训学校")
    b = draft(reg)
    text, doc = _docx(bulletin_docx(b))
    assert "三、典型案例" in text and "顺风培训学校" in text and case.decision_number in text
    headers = [c.text for c in doc.tables[-1].rows[0].cells]
    assert headers == ["名称", "违法行为", "处罚措施", "处罚依据", "决定书文号"]


def test_a_period_without_published_cases_says_so() -> None:
    reg = regulator()
    county_data(reg)
    b = draft(reg)
    assert b.figure("typical_cases") == [] and b.cases_text == "本期无公开的典型案例。"
    text, _doc = _docx(bulletin_docx(b))
    assert "本期无公开的典型案例。" in text and "决定书文号" not in text


# --- charts -----------------------------------------------------------------------------------------------------


def test_the_trend_figure_counts_month_by_month() -> None:
    reg = regulator()
    county_data(reg)
    b = draft(reg)
    trend = b.figure("monthly_trend")
    today = timezone.localdate()
    assert len(trend) == 6 and trend[-1]["month"] == today.strftime("%Y-%m")
    assert trend[-1] == {
        "month": today.strftime("%Y-%m"),
        "inspections": 2,
        "notices_issued": 1,
        "notices_closed": 0,
        "ads_found": 2,
    }
    assert all(r["inspections"] == r["notices_issued"] == r["ads_found"] == 0 for r in trend[:-1])
    months = [r["month"] for r in trend]
    assert months == sorted(months) and len(set(months)) == 6


def test_chart_series_are_the_stored_figures() -> None:
    city = regulator("b_city", "4102")
    county_data(regulator())
    b = draft(city, "4102")
    trend, counties = bulletin_charts(bulletins.figures_of(b.figures))
    assert (trend.key, counties.key) == ("trend", "counties")
    assert counties.categories == ["龙亭区", "祥符区"]
    assert dict(counties.series)["完成检查"] == [2, 0] and dict(counties.series)["下达整改"] == [1, 0]
    assert dict(trend.series)["完成检查"][-1] == 2 and len(trend.categories) == 6
    # A county's own bulletin has one county: no comparison chart, the trend only.
    assert [c.key for c in bulletins.bulletin_charts_of(draft(regulator("b_lt2"), "410202"))] == ["trend"]


@pytest.mark.skipif(not chart_font_available(), reason="fonts-noto-cjk is not installed")
def test_the_word_file_carries_the_charts_as_images_with_captions() -> None:
    city = regulator("b_city", "4102")
    county_data(regulator())
    b = bulletins.bulletin_publish(actor=city, bulletin=draft(city, "4102"))
    text, doc = _docx(bulletin_docx(b))
    assert len(doc.inline_shapes) == 2
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert captions == ["图1　近6个月检查与整改趋势", "图2　各县区检查与整改情况"]
    # Order: the trend under 一、, the comparison under 二、 before the county table.
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs.index("一、综合工作") < paragraphs.index(captions[0]) < paragraphs.index("二、县区动态")
    assert paragraphs.index("二、县区动态") < paragraphs.index(captions[1]) < paragraphs.index("三、典型案例")
    assert b.number in text
    # Column wide (156 mm), 300 dpi PNGs.
    for shape in doc.inline_shapes:
        assert abs(shape.width.mm - 156) < 0.5
    for blob in _image_blobs(doc):
        img = Image.open(io.BytesIO(blob))
        assert img.format == "PNG" and round(img.info["dpi"][0]) == 300 and img.width > 1800
        assert "Software" not in img.info and "Creation Time" not in img.info


@pytest.mark.skipif(not chart_font_available(), reason="fonts-noto-cjk is not installed")
def test_regenerating_draws_the_same_charts() -> None:
    city = regulator("b_city", "4102")
    county_data(regulator())
    b = bulletins.bulletin_publish(actor=city, bulletin=draft(city, "4102"))
    b.refresh_from_db()
    first = _image_blobs(_docx(bulletin_docx(b))[1])
    # The same bulletin prints the same images; the figures regenerated from its stored queries draw them again.
    assert _image_blobs(_docx(bulletin_docx(Bulletin.objects.get(pk=b.pk)))[1]) == first
    regenerated = bulletins.bulletin_figures_regenerate(b)
    assert regenerated == b.figures
    again = [chart_png(c) for c in bulletin_charts(bulletins.figures_of(regenerated))]
    assert again == first
    # Different figures draw a different chart.
    changed = [{**f, "result": f["result"]} for f in b.figures]
    counties_fig = next(f for f in changed if f["name"] == "counties")
    counties_fig["result"] = [{**r, "inspections": r["inspections"] + 1} for r in counties_fig["result"]]
    assert chart_png(bulletin_charts(bulletins.figures_of(changed))[1]) != first[1]


def test_the_page_draws_the_same_charts_with_their_numbers(client: Client) -> None:
    city = regulator("b_city", "4102")
    county_data(regulator())
    b = bulletins.bulletin_publish(actor=city, bulletin=draft(city, "4102"))
    client.force_login(city)
    page = client.get(reverse("oversight:bulletin_detail", args=[b.pk])).content.decode()
    assert 'data-testid="chart-trend"' in page and 'data-testid="chart-counties"' in page
    assert "图1　近6个月检查与整改趋势" in page and "图2　各县区检查与整改情况" in page
    client.logout()
    public = client.get(reverse("portal:bulletin", args=[b.pk])).content.decode()
    assert "图2　各县区检查与整改情况" in public and "bulletin-data" in public
