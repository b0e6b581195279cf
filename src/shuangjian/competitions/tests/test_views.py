"""The pages and the public lookup as people use them: access by county and institution, the review buttons, the
form's refusals, the export, the findings, and a parent's "is this competition on the list?"."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shuangjian.competitions import services
from shuangjian.competitions.models import Competition, CompetitionFinding, CompetitionStatus
from shuangjian.core.models import Role
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import UserFactory
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

from .factories import CompetitionFactory, data, education_regulator

pytestmark = pytest.mark.django_db
S = CompetitionStatus


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def published(reg, **changes) -> Competition:
    c = services.competition_create(actor=reg, data=data(**changes), submit=True)
    c = services.competition_approve(actor=reg, competition=c)
    return services.competition_publish(actor=reg, competition=c)


FORM = {
    "name": "龙亭区少儿绘画展评",
    "subject_area": "arts",
    "levels": ["一年级", "二年级"],
    "starts_on": "2026-06-01",
    "ends_on": "2026-06-01",
    "places": "龙亭区文化馆",
    "fee": "0",
    "certificate_text": "本证书不作为招生入学依据。",
    "contact_name": "王老师",
    "contact_phone": "0371-1234567",
}


def test_another_countys_regulator_gets_404_and_the_list_omits_it() -> None:
    c = CompetitionFactory.create(name="龙亭区独有竞赛")
    outsider = client_for(education_regulator(scope="410212"))
    assert outsider.get(reverse("competitions:detail", args=[c.pk])).status_code == 404
    assert outsider.post(reverse("competitions:act", args=[c.pk]), {"action": "approve"}).status_code == 404
    assert "龙亭区独有竞赛" not in outsider.get(reverse("competitions:list")).content.decode()
    insider = client_for(education_regulator())
    assert "龙亭区独有竞赛" in insider.get(reverse("competitions:list")).content.decode()


def test_an_operator_sees_only_its_own_institutions_filings() -> None:
    inst = InstitutionFactory.create()
    mine = CompetitionFactory.create(name="本机构的竞赛", organiser_institution=inst, organiser_kind="institution")
    theirs = CompetitionFactory.create(name="别家的竞赛", organiser_institution=InstitutionFactory.create())
    association = CompetitionFactory.create(name="协会的竞赛")
    op = client_for(operator_for(inst))
    page = op.get(reverse("competitions:list")).content.decode()
    assert "本机构的竞赛" in page and "别家的竞赛" not in page and "协会的竞赛" not in page
    assert op.get(reverse("competitions:detail", args=[mine.pk])).status_code == 200
    assert op.get(reverse("competitions:detail", args=[theirs.pk])).status_code == 404
    assert op.get(reverse("competitions:detail", args=[association.pk])).status_code == 404
    assert op.get(reverse("competitions:export")).status_code == 404


def test_an_operator_applies_and_the_fee_is_refused_on_the_form_with_the_rule() -> None:
    inst = InstitutionFactory.create(name="龙亭区琴声艺术培训中心")
    op = client_for(operator_for(inst))
    response = op.post(reverse("competitions:new"), {**FORM, "fee": "50", "submit_now": "1"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "不得收取任何费用" in body and "竞赛活动管理办法" in body
    assert not Competition.objects.exists()
    response = op.post(reverse("competitions:new"), {**FORM, "certificate_text": "获奖证书", "submit_now": "1"})
    assert response.status_code == 422 and "不作为招生入学依据" in response.content.decode()
    response = op.post(reverse("competitions:new"), {**FORM, "submit_now": "1"})
    assert response.status_code == 302
    c = Competition.objects.get()
    assert c.status == S.SUBMITTED and c.organiser_institution == inst


def test_the_reviewer_approves_and_publishes_from_the_review_page() -> None:
    reg = education_regulator()
    c = services.competition_create(actor=reg, data=data(), submit=True)
    client = client_for(reg)
    page = client.get(reverse("competitions:detail", args=[c.pk])).content.decode()
    assert 'data-testid="act-approve"' in page and 'data-testid="act-refuse"' in page
    assert client.post(reverse("competitions:act", args=[c.pk]), {"action": "refuse"}).status_code == 422
    assert client.post(reverse("competitions:act", args=[c.pk]), {"action": "approve"}).status_code == 302
    c.refresh_from_db()
    assert c.status == S.APPROVED and c.filing_no
    assert client.post(reverse("competitions:act", args=[c.pk]), {"action": "publish"}).status_code == 302
    page = client.get(reverse("competitions:detail", args=[c.pk])).content.decode()
    assert c.filing_no in page and "已公布" in page
    # An inspector reads the page but sees no buttons.
    inspector = client_for(UserFactory.create(role=Role.INSPECTOR, scope_code="410202"))
    page = inspector.get(reverse("competitions:detail", args=[c.pk])).content.decode()
    assert 'data-testid="actions"' not in page


def test_the_export_lists_the_filtered_filings() -> None:
    reg = education_regulator()
    published(reg, name="已公布的竞赛")
    CompetitionFactory.create(name="草稿竞赛")
    response = export_download(client_for(reg), reverse("competitions:export"), {"status": "published"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "备案编号" and len(rows) == 2 and rows[1][1] == "已公布的竞赛"


def test_a_regulator_records_a_finding_and_another_county_does_not_see_it() -> None:
    reg = education_regulator()
    inst = InstitutionFactory.create()
    client = client_for(reg)
    response = client.post(
        reverse("competitions:finding_new"),
        {
            "organiser_institution": inst.pk,
            "competition_name": "少儿英语之星大赛",
            "facts": "未经备案，收费。",
            "source_kind": "report",
            "source_ref": "JB-1",
        },
    )
    assert response.status_code == 302
    assert CompetitionFinding.objects.get().organiser_institution == inst
    assert "少儿英语之星大赛" in client.get(reverse("competitions:finding_list")).content.decode()
    other = client_for(education_regulator(scope="410212"))
    assert "少儿英语之星大赛" not in other.get(reverse("competitions:finding_list")).content.decode()
    empty = client.post(reverse("competitions:finding_new"), {"competition_name": "x", "source_kind": "report"})
    assert empty.status_code == 422


# --- public ---------------------------------------------------------------------------------------------------------


def test_a_parent_looks_up_a_number_as_printed_and_hears_it_is_on_the_list(client: Client) -> None:
    c = published(education_regulator(), name="龙亭区青少年机器人创意赛")
    assert c.filing_no is not None
    typed = c.filing_no.lower().replace("-", " ")
    response = client.get(reverse("portal:competitions"), {"q": typed})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-on-list="yes"' in body and "在公布名单上" in body and "龙亭区青少年机器人创意赛" in body
    api = client.get("/api/v1/public/competitions", {"q": typed}).json()
    assert api["on_list"] is True and api["results"][0]["filing_no"] == c.filing_no
    assert api["results"][0]["organiser"] == c.organiser_name and api["hint"] == ""


def test_unknown_unpublished_and_withdrawn_competitions_are_not_on_the_list(client: Client) -> None:
    reg = education_regulator()
    approved = services.competition_approve(
        actor=reg, competition=services.competition_create(actor=reg, data=data(name="尚未公布的竞赛"), submit=True)
    )
    withdrawn = services.competition_withdraw(
        actor=reg, competition=published(reg, name="被撤销的竞赛"), reason="违规收费"
    )
    assert approved.filing_no is not None and withdrawn.filing_no is not None
    for q in ("JS-9999-2026-0001", approved.filing_no, "尚未公布"):
        api = client.get("/api/v1/public/competitions", {"q": q}).json()
        assert api["on_list"] is False and api["results"] == [] and "举报" in api["hint"]
    api = client.get("/api/v1/public/competitions", {"q": withdrawn.filing_no}).json()
    assert api["on_list"] is False and api["results"][0]["status"] == "withdrawn" and "撤销" in api["answer"]
    page = client.get(reverse("portal:competitions"), {"q": "不存在的竞赛"}).content.decode()
    assert 'data-on-list="no"' in page and 'data-testid="hint"' in page


def test_a_name_fragment_finds_published_competitions_only(client: Client) -> None:
    reg = education_regulator()
    published(reg, name="龙亭区青少年机器人创意赛")
    CompetitionFactory.create(name="机器人草稿赛")
    api = client.get("/api/v1/public/competitions", {"q": "机器人"}).json()
    assert api["on_list"] is True and [r["name"] for r in api["results"]] == ["龙亭区青少年机器人创意赛"]


def test_a_too_short_query_is_a_422_with_a_code(client: Client) -> None:
    response = client.get("/api/v1/public/competitions", {"q": "x"})
    assert response.status_code == 422 and response.json()["code"] == "query_too_short"
    assert client.get(reverse("portal:competitions"), {"q": "x"}).status_code == 200


def test_the_reviewers_dashboard_counts_filings_waiting() -> None:
    reg = education_regulator()
    services.competition_create(actor=reg, data=data(), submit=True)
    CompetitionFactory.create(status=S.SUBMITTED, division_code="410212")
    page = client_for(reg).get("/").content.decode()
    assert "待审核竞赛备案" in page
    inspector = client_for(UserFactory.create(role=Role.INSPECTOR, scope_code="410202"))
    assert "待审核竞赛备案" not in inspector.get("/").content.decode()


def test_control_characters_and_long_queries_are_answered_not_found(client: Client) -> None:
    for q in ("机器人\x00", "JS\u200b-410202", "赛" * 500):
        response = client.get("/api/v1/public/competitions", {"q": q})
        assert response.status_code == 200 and response.json()["on_list"] is False
        assert client.get(reverse("portal:competitions"), {"q": q}).status_code == 200
