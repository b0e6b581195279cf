"""The oversight API as a county, its city and a stranger use it: orders (list, get, reply with evidence, decide),
evaluation periods and the ranked table, published bulletins; refusals are {"detail", "code"}, out of scope 404."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shuangjian.core.models import User
from shuangjian.oversight import bulletins, evaluation, orders
from shuangjian.oversight.models import OrderKind, SupervisionOrder
from shuangjian.registry.models import InstitutionStatus, SupervisionMode
from shuangjian.registry.tests.factories import InstitutionFactory

from .factories import World, inspection_done, world

pytestmark = pytest.mark.django_db
D = datetime.date
API = "/api/v1/oversight"


@pytest.fixture
def w() -> World:
    return world()


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def refusal(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.content
    body: dict[str, Any] = r.json()
    assert set(body) == {"detail", "code"} and body["code"] == code
    return body


def issue(w: World, county: str, title: str = "关停无证机构") -> SupervisionOrder:
    today = timezone.localdate()
    return orders.order_issue(
        actor=w.city,
        kind=OrderKind.DISPATCH,
        division_code=county,
        title=title,
        requirements="十日内查清并关停",
        deadline=today + datetime.timedelta(days=10),
    )


# --- orders -----------------------------------------------------------------------------------------------------


def test_a_county_lists_its_own_orders_and_the_city_those_of_its_counties(w: World) -> None:
    mine, theirs = issue(w, "410202", "龙亭区的事项"), issue(w, "410203", "顺河区的事项")
    r = client_for(w.county).get(f"{API}/orders")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and [o["title"] for o in body["results"]] == ["龙亭区的事项"]
    assert body["results"][0]["actions"] == ["reply"] and body["results"][0]["overdue"] is False
    city = client_for(w.city)
    assert {o["title"] for o in city.get(f"{API}/orders").json()["results"]} == {"龙亭区的事项", "顺河区的事项"}
    assert city.get(f"{API}/orders", {"county": "410203"}).json()["count"] == 1
    detail = city.get(f"{API}/orders/{mine.pk}").json()
    assert detail["number"] == mine.number and detail["actions"] == [] and detail["division_code"] == "410202"
    # Out of scope: the other county's order, another city's staff, a missing or absurd id: 404 alike.
    refusal(client_for(w.county).get(f"{API}/orders/{theirs.pk}"), 404, "not_found")
    refusal(client_for(w.other_city).get(f"{API}/orders/{mine.pk}"), 404, "not_found")
    assert client_for(w.other_county).get(f"{API}/orders").json()["count"] == 0
    refusal(city.get(f"{API}/orders/99999999999"), 404, "not_found")
    refusal(city.get(f"{API}/orders", {"page": 9}), 422, "validation_error")
    refusal(Client().get(f"{API}/orders"), 401, "unauthorized")


def test_the_county_replies_with_evidence_and_the_city_decides(w: World, png_bytes: bytes) -> None:
    order = issue(w, "410202")
    county, city = client_for(w.county), client_for(w.city)
    refusal(county.post(f"{API}/orders/{order.pk}/reply", {"text": "  "}), 422, "missing_reply")
    bad = SimpleUploadedFile("evidence.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    body = refusal(county.post(f"{API}/orders/{order.pk}/reply", {"text": "已关停", "file": bad}), 422, "upload_type")
    assert "文件" in str(body["detail"])
    # The city may read the order but not answer it in the county's place.
    refusal(city.post(f"{API}/orders/{order.pk}/reply", {"text": "代答"}), 403, "forbidden")
    photo = SimpleUploadedFile("photo.png", png_bytes, content_type="image/png")
    r = county.post(f"{API}/orders/{order.pk}/reply", {"text": "已关停 2 家", "file": photo})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "replied" and r.json()["has_reply_file"] is True
    assert r.json()["reply_text"] == "已关停 2 家"
    refusal(county.post(f"{API}/orders/{order.pk}/reply", {"text": "再答"}), 422, "invalid_transition")
    # The county cannot accept its own reply; the city returns it (with a reason), then accepts the second one.
    refusal(
        county.post(f"{API}/orders/{order.pk}/decide", {"action": "accept"}, content_type="application/json"),
        403,
        "forbidden",
    )
    assert city.get(f"{API}/orders/{order.pk}").json()["actions"] == ["accept", "return"]
    refusal(
        city.post(f"{API}/orders/{order.pk}/decide", {"action": "return"}, content_type="application/json"),
        422,
        "missing_note",
    )
    refusal(
        city.post(f"{API}/orders/{order.pk}/decide", {"action": "close"}, content_type="application/json"),
        422,
        "invalid_transition",
    )
    r = city.post(
        f"{API}/orders/{order.pk}/decide", {"action": "return", "note": "缺少照片"}, content_type="application/json"
    )
    assert r.json()["status"] == "returned" and r.json()["decision_note"] == "缺少照片"
    assert county.post(f"{API}/orders/{order.pk}/reply", {"text": "补充照片"}).json()["status"] == "replied"
    r = city.post(f"{API}/orders/{order.pk}/decide", {"action": "accept"}, content_type="application/json")
    assert r.json()["status"] == "accepted" and r.json()["actions"] == []
    # Another county's regulator cannot even see it.
    refusal(client_for(w.county_b).post(f"{API}/orders/{order.pk}/reply", {"text": "x"}), 404, "not_found")


@pytest.fixture
def png_bytes() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    return buf.getvalue()


# --- evaluation -------------------------------------------------------------------------------------------------


def test_the_ranked_table_carries_each_indicator_s_figure_in_scope(w: World) -> None:
    mk = InstitutionFactory.create
    a = mk(division_code="410202", status=InstitutionStatus.ACTIVE, supervision_mode=SupervisionMode.BANK_CUSTODY)
    mk(division_code="410202", status=InstitutionStatus.ACTIVE, supervision_mode=SupervisionMode.NONE)
    g = mk(division_code="410203", status=InstitutionStatus.ACTIVE, supervision_mode=SupervisionMode.BANK_CUSTODY)
    for inst, by in ((a, w.county), (g, w.county_b)):
        inspection_done(inst, by, D(2026, 1, 5))
        inspection_done(inst, by, D(2026, 2, 5))
    period = evaluation.period_compute(
        actor=w.city, name="2026年一季度", starts_on=D(2026, 1, 1), ends_on=D(2026, 3, 31)
    )
    city = client_for(w.city)
    periods = city.get(f"{API}/evaluation/periods").json()
    assert [p["name"] for p in periods] == ["2026年一季度"] and periods[0]["computed_at"]
    table = city.get(f"{API}/evaluation/periods/{period.pk}").json()
    assert table["period"]["ends_on"] == "2026-03-31"
    keys = [i["key"] for i in table["indicators"]]
    assert "custody" in keys and "inspection" in keys and all(i["method"] for i in table["indicators"])
    rows = {r["division_code"]: r for r in table["counties"]}
    assert set(rows) == {"410202", "410203"}
    assert [r["rank"] for r in table["counties"]] == [1, 2]
    scores = {s["indicator"]: s for s in rows["410202"]["scores"]}
    assert (scores["custody"]["numerator"], scores["custody"]["denominator"], scores["custody"]["percent"]) == (
        1,
        2,
        50.0,
    )
    assert (scores["inspection"]["numerator"], scores["inspection"]["denominator"]) == (1, 2)
    other = {s["indicator"]: s for s in rows["410203"]["scores"]}
    assert other["custody"]["percent"] == 100.0
    # The table's figures are the page's: the same ranked table the service computes.
    ranked = evaluation.ranked_table(w.city, period)
    assert [(r.code, r.total) for r in ranked] == [(r["division_code"], r["total"]) for r in table["counties"]]
    # A county sees its own row only; another city's staff see no county of this city.
    mine = client_for(w.county).get(f"{API}/evaluation/periods/{period.pk}").json()
    assert [r["division_code"] for r in mine["counties"]] == ["410202"]
    assert client_for(w.other_city).get(f"{API}/evaluation/periods/{period.pk}").json()["counties"] == []
    refusal(city.get(f"{API}/evaluation/periods/{period.pk + 1000}"), 404, "not_found")
    refusal(Client().get(f"{API}/evaluation/periods"), 401, "unauthorized")


# --- bulletins --------------------------------------------------------------------------------------------------


def _publish(actor: User, division: str) -> Any:
    today = timezone.localdate()
    b = bulletins.bulletin_draft(
        actor=actor,
        division_code=division,
        series="briefing",
        period_start=today - datetime.timedelta(days=6),
        period_end=today,
    )
    return bulletins.bulletin_publish(actor=actor, bulletin=b)


def test_published_bulletins_by_scope_with_figures_cases_and_charts(w: World) -> None:
    city_b = _publish(w.city, "4102")
    county_b = _publish(w.county, "410202")
    draft = bulletins.bulletin_draft(
        actor=w.county,
        division_code="410202",
        series="express",
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
    )
    other = _publish(w.other_city, "4103")
    city = client_for(w.city)
    listed = city.get(f"{API}/bulletins").json()
    assert listed["count"] == 2 and {b["id"] for b in listed["results"]} == {city_b.pk, county_b.pk}
    assert all(b["number"].startswith("〔") for b in listed["results"])
    county = client_for(w.county)
    assert [b["id"] for b in county.get(f"{API}/bulletins").json()["results"]] == [county_b.pk]
    detail = city.get(f"{API}/bulletins/{city_b.pk}").json()
    assert detail["number"] == city_b.number and detail["overview_text"] == city_b.overview_text
    assert detail["typical_cases"] == [] and detail["cases_text"] == "本期无公开的典型案例。"
    assert [c["key"] for c in detail["charts"]] == ["trend", "counties"] and detail["charts"][0]["number"] == 1
    assert detail["charts"][1]["categories"] == ["龙亭区", "顺河回族区"]
    assert [f["name"] for f in detail["figures"]] == [f["name"] for f in city_b.figures]
    # Out of scope, a draft, another city's: 404 alike.
    refusal(county.get(f"{API}/bulletins/{city_b.pk}"), 404, "not_found")
    refusal(county.get(f"{API}/bulletins/{draft.pk}"), 404, "not_found")
    refusal(city.get(f"{API}/bulletins/{other.pk}"), 404, "not_found")
    refusal(Client().get(f"{API}/bulletins/{county_b.pk}"), 401, "unauthorized")


@pytest.mark.django_db(transaction=True)
def test_a_county_replies_and_the_city_accepts_over_real_http_with_bearer_tokens(live_server, png_bytes: bytes) -> None:
    """What a provincial client does: multipart reply with a photo, then a JSON decision — no session, no CSRF."""
    import json
    import urllib.error
    import urllib.request
    import uuid

    from shuangjian.core.tokens import api_token_issue

    w = world()
    order = issue(w, "410202")
    county_token = api_token_issue(actor=None, user=w.county, name="县级对接").secret
    city_token = api_token_issue(actor=None, user=w.city, name="市级对接").secret

    def call(path: str, token: str | None, *, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{live_server.url}{API}{path}", data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    boundary = uuid.uuid4().hex
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n已关停 2 家\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    form = f"multipart/form-data; boundary={boundary}"
    status, body = call(f"/orders/{order.pk}/reply", None, body=multipart, content_type=form)
    assert status == 401 and body["code"] == "unauthorized"
    status, body = call(f"/orders/{order.pk}/reply", city_token, body=multipart, content_type=form)
    assert status == 403 and body["code"] == "forbidden"
    status, body = call(f"/orders/{order.pk}/reply", county_token, body=multipart, content_type=form)
    assert status == 200, body
    assert body["status"] == "replied" and body["reply_text"] == "已关停 2 家" and body["has_reply_file"] is True
    accept = json.dumps({"action": "accept"}).encode()
    status, body = call(f"/orders/{order.pk}/decide", county_token, body=accept, content_type="application/json")
    assert status == 403 and body["code"] == "forbidden"
    status, body = call(f"/orders/{order.pk}/decide", city_token, body=accept, content_type="application/json")
    assert status == 200 and body["status"] == "accepted"
    order.refresh_from_db()
    assert order.status == "accepted" and order.reply_file
