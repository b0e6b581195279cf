"""Supervision orders and the six measures as the city and the counties use them: issue, reply, return, accept,
escalation past the deadline (fixed dates), documents, and who sees what (a county only itself, a city its
counties, anything else 404)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse
from docx import Document

from shuangjian.core.models import AuditEvent
from shuangjian.oversight import orders
from shuangjian.oversight.dashboard import dashboard_for_user
from shuangjian.oversight.models import MeasureKind, OrderKind, OrderStatus
from shuangjian.registry.tests.factories import InstitutionFactory

from .factories import World, world

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def w() -> World:
    return world()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def issue(w: World, county: str = "410202", deadline: datetime.date = datetime.date(2026, 3, 10), **kw):
    return orders.order_issue(
        actor=w.city,
        kind=kw.pop("kind", OrderKind.DISPATCH),
        division_code=county,
        title="关停无证机构",
        requirements="十日内查清并关停",
        deadline=deadline,
        today=DAY,
        **kw,
    )


def test_order_goes_issued_replied_returned_replied_accepted_and_is_audited(w: World) -> None:
    o = issue(w)
    assert o.number == "督办〔2026〕1号" and o.status == OrderStatus.ISSUED
    assert [t.action for t in orders.actions_for(w.county, o)] == ["reply"]
    assert orders.actions_for(w.city, o) == []
    o = orders.order_reply(actor=w.county, order=o, text="已关停 2 家")
    assert [t.action for t in orders.actions_for(w.city, o)] == ["accept", "return"]
    with pytest.raises(ValidationError):
        orders.order_decide(actor=w.city, order=o, action="return", note="")  # a return needs its reason
    o = orders.order_decide(actor=w.city, order=o, action="return", note="缺少照片")
    assert o.status == OrderStatus.RETURNED
    o = orders.order_reply(actor=w.county, order=o, text="补充照片", file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    o = orders.order_decide(actor=w.city, order=o, action="accept")
    assert o.status == OrderStatus.ACCEPTED and o.reply_file
    with pytest.raises(ValidationError):
        orders.order_reply(actor=w.county, order=o, text="again")
    actions = list(AuditEvent.objects.filter(object_id=str(o.pk)).order_by("seq").values_list("action", flat=True))
    assert actions == ["order.issue", "order.reply", "order.return", "order.reply", "order.accept"]
    assert issue(w).number == "督办〔2026〕2号"  # numbered without gaps


def test_refusals_leave_nothing_written(w: World) -> None:
    with pytest.raises(Http404):  # a county does not order another county
        orders.order_issue(
            actor=w.county,
            kind="dispatch",
            division_code="410203",
            title="x",
            requirements="y",
            deadline=datetime.date(2026, 3, 10),
            today=DAY,
        )
    with pytest.raises(ValidationError):
        issue(w, deadline=DAY)  # a deadline must be after the issue day
    with pytest.raises(ValidationError):
        issue(w, kind=OrderKind.LISTED)  # 挂牌督办 names an institution or a case
    other = InstitutionFactory.create(division_code="410203")
    with pytest.raises(ValidationError):
        issue(w, kind=OrderKind.LISTED, institution=other)  # the institution is not in the county ordered
    o = issue(w)
    with pytest.raises(ValidationError):
        orders.order_reply(actor=w.county, order=o, text="x", file=SimpleUploadedFile("a.pdf", b"not a pdf"))
    o.refresh_from_db()
    assert o.status == OrderStatus.ISSUED and not o.reply_text
    assert orders.orders_for_user(w.city).count() == 1


def test_escalation_marks_overdue_once_and_both_levels_see_it(w: World) -> None:
    late = issue(w, deadline=datetime.date(2026, 3, 10))
    done = issue(w, deadline=datetime.date(2026, 3, 9))
    orders.order_reply(actor=w.county, order=done, text="ok")
    orders.order_decide(actor=w.city, order=done, action="accept")
    replied = issue(w, county="410203", deadline=datetime.date(2026, 3, 10))
    orders.order_reply(actor=w.county_b, order=replied, text="waiting for the city")
    assert orders.orders_escalate(today=datetime.date(2026, 3, 10)) == 0  # due today: not late yet
    assert orders.orders_escalate(today=datetime.date(2026, 3, 11)) == 2  # late + replied-but-not-accepted
    assert orders.orders_escalate(today=datetime.date(2026, 3, 12)) == 0  # once
    late.refresh_from_db()
    assert late.overdue_since == datetime.date(2026, 3, 11) and late.escalations == 1
    day = datetime.date(2026, 3, 12)
    assert dashboard_for_user(w.city, today=day).overdue_orders_total == 2
    assert dashboard_for_user(w.city, county="410202", today=day).overdue_orders_total == 1
    assert dashboard_for_user(w.county, today=day).overdue_orders_total == 1
    assert dashboard_for_user(w.county_b, today=day).overdue_orders_total == 1
    assert dashboard_for_user(w.other_city, today=day).overdue_orders_total == 0
    assert AuditEvent.objects.filter(action="order.escalate").count() == 2


def test_access_county_itself_city_its_counties_else_404(w: World) -> None:
    o = issue(w)
    url = reverse("oversight:order_detail", args=[o.pk])
    assert client_for(w.city).get(url).status_code == 200
    assert client_for(w.county).get(url).status_code == 200
    assert client_for(w.county_b).get(url).status_code == 404
    assert client_for(w.other_city).get(url).status_code == 404
    assert client_for(w.other_county).get(url).status_code == 404
    assert client_for(w.county).get(reverse("oversight:order_new")).status_code == 404  # counties do not issue
    dash = reverse("oversight:dashboard")
    assert client_for(w.city).get(dash + "?county=410203").status_code == 200
    assert client_for(w.city).get(dash + "?county=410302").status_code == 404
    assert client_for(w.county).get(dash + "?county=410203").status_code == 404


def test_pages_issue_reply_and_accept(w: World) -> None:
    inst = InstitutionFactory.create(division_code="410202")
    city = client_for(w.city)
    r = city.post(
        reverse("oversight:order_new"),
        {
            "kind": "listed",
            "division_code": "410202",
            "title": "挂牌督办某机构",
            "requirements": "限期整改",
            "deadline": "2099-01-10",
            "uscc": inst.uscc,
        },
    )
    assert r.status_code == 302
    o = orders.orders_for_user(w.city).get()
    assert o.institution == inst
    r = city.post(
        reverse("oversight:order_new"),
        {
            "kind": "listed",
            "division_code": "410202",
            "title": "t",
            "requirements": "r",
            "deadline": "2099-01-10",
            "uscc": "X",
        },
    )
    assert r.status_code == 422 and "辖区内没有这个统一社会信用代码的机构" in r.content.decode()
    county = client_for(w.county)
    assert county.post(reverse("oversight:order_reply", args=[o.pk]), {"text": ""}).status_code == 422
    assert county.post(reverse("oversight:order_reply", args=[o.pk]), {"text": "已整改"}).status_code == 302
    assert county.post(reverse("oversight:order_decide", args=[o.pk]), {"action": "accept"}).status_code == 403
    assert city.post(reverse("oversight:order_decide", args=[o.pk]), {"action": "accept"}).status_code == 302
    o.refresh_from_db()
    assert o.status == OrderStatus.ACCEPTED
    doc = Document(io.BytesIO(city.get(reverse("oversight:order_docx", args=[o.pk])).content))
    assert o.number in "\n".join(p.text for p in doc.paragraphs)


def test_measures_name_counties_and_are_seen_by_those_counties(w: World) -> None:
    with pytest.raises(ValidationError):
        orders.measure_record(
            actor=w.city, kind=MeasureKind.INTERVIEW, counties=["410202"], title="约谈", body="b", happened_on=DAY
        )  # minutes and participants required
    with pytest.raises(ValidationError):
        orders.measure_record(
            actor=w.city, kind=MeasureKind.NOTICE, counties=["410302"], title="通报", body="b", happened_on=DAY
        )  # not the city's county
    m = orders.measure_record(
        actor=w.city,
        kind=MeasureKind.NOTICE,
        counties=["410202", "410203"],
        title="关于两区整改进度的通报",
        body="进度滞后",
        happened_on=DAY,
    )
    assert m.number == "通报〔2026〕1号"
    orders.measure_record(
        actor=w.city,
        kind=MeasureKind.ACCOUNTABILITY,
        counties=["410203"],
        title="问责",
        body="b",
        happened_on=DAY,
        responsible="张某",
    )
    assert orders.measures_for_user(w.county).count() == 1
    assert orders.measures_for_user(w.county_b).count() == 2
    assert orders.measures_for_user(w.other_city).count() == 0
    assert client_for(w.other_county).get(reverse("oversight:measure_detail", args=[m.pk])).status_code == 404
    r = client_for(w.county).get(reverse("oversight:measure_docx", args=[m.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert m.number in text and "龙亭区" in text and "顺河回族区" in text
    r = client_for(w.city).post(
        reverse("oversight:measure_new"),
        {"kind": "exposure", "counties": ["410202"], "title": "曝光", "body": "b", "happened_on": "2026-03-02"},
    )
    assert r.status_code == 422 and "曝光须填写曝光台链接" in r.content.decode()
