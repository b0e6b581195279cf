"""The grid API: an officer's cells and today's expected reports, the daily and the zero report (filing again
answers the same report), their own reports, a finding turned into a lead or a report case (once each), and the
regulators' reporting rates — with the scope refusals (404), refused values (422) and one call over real HTTP
with a bearer token."""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from shuangjian.complaints.models import Channel, Report
from shuangjian.core import calendar
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tokens import api_token_issue
from shuangjian.grid import services
from shuangjian.grid.models import Finding, FindingKind, GridReport

from .factories import assign, cells, institution_in, jpeg_upload, officer

API = "/api/v1/grid"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def setup(db):
    c1, c2, c3 = cells()
    since = datetime.date(2026, 9, 1)
    user = officer(display_name="网格员 吴芳")
    assign(user, c1, since)
    assign(user, c2, since)
    neighbour = officer(username="g_neighbour")
    assign(neighbour, c3, since)
    return user, neighbour, c1, c2, c3


def test_the_officer_sees_their_cells_and_todays_expected_reports(setup) -> None:
    user, _n, c1, c2, _c3 = setup
    client = login(user)
    r = client.get(f"{API}/cells")
    assert r.status_code == 200
    rows = {row["code"]: row for row in r.json()}
    assert set(rows) == {c1.code, c2.code}  # not the neighbour's cell
    working = calendar.is_working_day(timezone.localdate())
    assert all(row["expected_today"] is working and row["report_id"] is None for row in rows.values())
    assert rows[c1.code]["township_name"] == "北书店街道"
    zero = post(client, f"{API}/cells/{c1.code}/zero")
    assert zero.status_code == 201
    rows = {row["code"]: row for row in client.get(f"{API}/cells").json()}
    assert rows[c1.code]["report_id"] == zero.json()["id"] and rows[c2.code]["report_id"] is None
    # A regulator has no cells: the operation does not exist for them.
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    refused = login(regulator).get(f"{API}/cells")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert Client().get(f"{API}/cells").status_code == 401


def test_the_zero_report_is_one_call_and_a_repeat_answers_the_same_report(setup) -> None:
    user, _n, c1, _c2, c3 = setup
    client = login(user)
    first = post(client, f"{API}/cells/{c1.code}/zero")
    assert first.status_code == 201
    body = first.json()
    assert body["is_zero"] and body["created"] and body["cell"] == c1.code and body["officer"] == "网格员 吴芳"
    again = post(client, f"{API}/cells/{c1.code}/zero")
    assert again.status_code == 200 and again.json()["id"] == body["id"] and not again.json()["created"]
    assert GridReport.objects.count() == 1
    # The neighbour's cell is not the officer's: 404, nothing filed.
    refused = post(client, f"{API}/cells/{c3.code}/zero")
    assert refused.status_code == 404 and refused.json() == {"detail": "未找到", "code": "not_found"}
    future = post(client, f"{API}/cells/{c1.code}/zero", {"day": "2099-01-01"})
    assert future.status_code == 422 and future.json()["code"] == "validation_error"
    assert GridReport.objects.count() == 1


def test_a_report_with_sightings_and_findings_and_its_refusals(setup) -> None:
    user, _n, c1, _c2, c3 = setup
    client = login(user)
    inst = institution_in(c1, name="顶风培训学校")
    elsewhere = institution_in(c3, name="别处机构")
    report = {
        "cell": c1.code,
        "places_patrolled": "书店街",
        "sightings": [{"institution_id": inst.pk, "kind": "against_order"}],
        "findings": [
            {"kind": "against_order", "institution_id": inst.pk, "description": "责令停止招生后仍在上课"},
            {
                "kind": "unlicensed",
                "name": "小状元作业辅导",
                "address": "北道门街12号",
                "latitude": "34.801200",
                "longitude": "114.351800",
            },
        ],
    }
    # Refused values: each is a 422 naming the field, and nothing is filed.
    bad_kind = post(client, f"{API}/reports", {**report, "findings": [{"kind": "rumour"}]})
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"]["kind"] == ["未知的发现类型。"]
    foreign = post(
        client, f"{API}/reports", {**report, "sightings": [{"institution_id": elsewhere.pk, "kind": "open"}]}
    )
    assert foreign.status_code == 422 and "所选机构不在本网格。" in foreign.json()["detail"]["sightings"]
    no_address = post(client, f"{API}/reports", {**report, "findings": [{"kind": "unlicensed", "name": "某班"}]})
    assert no_address.status_code == 422 and no_address.json()["detail"]["address"] == ["请填写地址。"]
    off_map = post(client, f"{API}/reports", {**report, "findings": [{**report["findings"][1], "latitude": "95"}]})
    assert off_map.status_code == 422 and off_map.json()["code"] == "validation_error"
    zero_and_findings = post(client, f"{API}/reports", {**report, "is_zero": True})
    assert zero_and_findings.status_code == 422 and "is_zero" in zero_and_findings.json()["detail"]
    not_mine = post(client, f"{API}/reports", {**report, "cell": c3.code})
    assert not_mine.status_code == 404
    assert not GridReport.objects.exists()

    created = post(client, f"{API}/reports", report)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sightings"] == [{"institution_id": inst.pk, "kind": "against_order"}]
    kinds = {f["kind"]: f for f in body["findings"]}
    assert set(kinds) == {"against_order", "unlicensed"}
    assert kinds["unlicensed"]["latitude"] == "34.801200" and kinds["unlicensed"]["inspection_id"] is None
    # The same officer, cell and day again: the report already filed, unchanged.
    again = post(client, f"{API}/reports", {**report, "note": "又报一次"})
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["note"] == ""
    assert GridReport.objects.count() == 1 and Finding.objects.count() == 2


def test_own_reports_for_the_officer_the_divisions_for_staff(setup) -> None:
    user, neighbour, c1, _c2, c3 = setup
    mine = services.grid_report_zero(actor=user, cell=c1).report
    theirs = services.grid_report_zero(actor=neighbour, cell=c3).report
    listed = login(user).get(f"{API}/reports").json()
    assert listed["count"] == 1 and [r["id"] for r in listed["results"]] == [mine.pk]
    assert login(user).get(f"{API}/reports/{theirs.pk}").status_code == 404
    assert login(user).get(f"{API}/reports/{mine.pk}").json()["is_zero"] is True
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    assert login(regulator).get(f"{API}/reports").json()["count"] == 2
    assert login(regulator).get(f"{API}/reports", {"cell": c3.code}).json()["count"] == 1
    other_county = RegulatorFactory.create(username="g_reg_xf", scope_code="410212")
    assert login(other_county).get(f"{API}/reports").json()["count"] == 0
    assert login(other_county).get(f"{API}/reports/{mine.pk}").status_code == 404
    assert login(user).get(f"{API}/reports", {"page": 9}).status_code == 422


def _finding(user, cell, **kw: Any) -> Finding:
    kw.setdefault("kind", FindingKind.UNLICENSED)
    kw.setdefault("name", "小状元作业辅导")
    kw.setdefault("address", "北道门街12号")
    report = services.grid_report_submit(
        actor=user,
        cell=cell,
        day=timezone.localdate(),
        data=services.ReportInput(findings=(services.FindingInput(**kw),)),
    ).report
    return report.findings.get()


def test_a_finding_becomes_a_lead_and_a_case_once_each(setup) -> None:
    user, neighbour, c1, _c2, c3 = setup
    finding = _finding(user, c1)
    client = login(user)
    lead = post(client, f"{API}/findings/{finding.pk}/lead")
    assert lead.status_code == 201 and lead.json()["inspection_id"] is not None
    again = post(client, f"{API}/findings/{finding.pk}/lead")
    assert again.status_code == 200 and again.json()["inspection_id"] == lead.json()["inspection_id"]

    case = post(client, f"{API}/findings/{finding.pk}/report")
    assert case.status_code == 201, case.content
    body = case.json()
    report = Report.objects.get()
    assert body["public_report_id"] == report.pk and body["public_report_code"] == report.display_code
    assert report.channel == Channel.GRID and body["public_report_status"] == "new"
    repeat = post(client, f"{API}/findings/{finding.pk}/report")
    assert repeat.status_code == 200 and repeat.json()["public_report_id"] == report.pk
    assert Report.objects.count() == 1

    # Another officer's finding: 404 for both, nothing raised.
    theirs = _finding(neighbour, c3)
    for action in ("lead", "report"):
        refused = post(client, f"{API}/findings/{theirs.pk}/{action}")
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert post(client, f"{API}/findings/999999/report").status_code == 404
    theirs.refresh_from_db()
    assert theirs.inspection_id is None and theirs.public_report_id is None


def test_the_officer_uploads_a_findings_photo_once_and_the_case_carries_it(setup) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    user, neighbour, c1, _c2, c3 = setup
    finding = _finding(user, c1)
    client = login(user)
    upload = jpeg_upload()
    original = upload.getvalue()
    url = f"{API}/findings/{finding.pk}/photo"

    not_a_photo = client.post(url, {"file": SimpleUploadedFile("shop.jpg", b"GIF89a not a photo")})
    assert not_a_photo.status_code == 422 and "不是照片" in str(not_a_photo.json()["detail"])
    missing = client.post(url, {})
    assert missing.status_code == 422
    finding.refresh_from_db()
    assert not finding.photo and finding.photo_sha256 == ""

    r = client.post(url, {"file": SimpleUploadedFile("shop.jpg", original, content_type="image/jpeg")})
    assert r.status_code == 201, r.content
    assert r.json()["has_photo"] is True
    finding.refresh_from_db()
    import hashlib

    assert finding.photo_sha256 == hashlib.sha256(original).hexdigest() and finding.photo_bytes == len(original)
    # Evidence is set once: a second upload is refused and the first photo stays.
    again = client.post(url, {"file": SimpleUploadedFile("other.jpg", original, content_type="image/jpeg")})
    assert again.status_code == 422 and "不能替换" in str(again.json()["detail"])
    # Someone else's finding, or staff who did not file it: not found, nothing attached.
    theirs = _finding(neighbour, c3)
    refused = client.post(
        f"{API}/findings/{theirs.pk}/photo", {"file": SimpleUploadedFile("x.jpg", original, content_type="image/jpeg")}
    )
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.photo
    # The case raised from the finding carries the photo, with the same original hash.
    case = post(client, f"{API}/findings/{finding.pk}/report")
    assert case.status_code == 201, case.content
    report = Report.objects.get()
    assert [p.sha256 for p in report.photos.all()] == [finding.photo_sha256]


def test_a_finding_whose_photo_is_not_an_image_is_refused_with_a_clear_message(setup) -> None:
    user, _n, c1, _c2, _c3 = setup
    finding = _finding(user, c1)
    finding.photo.save("broken.jpg", ContentFile(b"GIF89a not a photo"), save=True)
    refused = post(login(user), f"{API}/findings/{finding.pk}/report")
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "validation_error" and "不是照片" in body["detail"]["photos"][0]
    assert not Report.objects.exists()


def test_regulators_read_the_rates_of_their_reach(setup) -> None:
    user, _neighbour, c1, _c2, c3 = setup
    services.grid_report_zero(actor=user, cell=c1, day=datetime.date(2026, 10, 9))
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    r = login(regulator).get(f"{API}/rates", {"first": "2026-10-05", "last": "2026-10-11"})
    assert r.status_code == 200
    body = r.json()
    # 8, 9 and (make-up) 10 October for each of the three cells; one report filed, now — so late.
    assert (body["total"]["expected"], body["total"]["actual"], body["total"]["on_time"]) == (9, 1, 0)
    assert body["total"]["missing"] == 8 and body["gaps_count"] == 8
    assert [(t["code"], t["expected"], t["actual"]) for t in body["townships"]] == [
        ("410202001", 6, 1),
        ("410202002", 3, 0),
    ]
    assert [c["code"] for c in body["counties"]] == ["410202"]
    assert {g["cell"] for g in body["gaps"]} == {c1.code, cells()[1].code, c3.code}
    # Another county's regulator reaches none of it; officers have no rates; bad periods are 422.
    xf = login(RegulatorFactory.create(username="g_reg_xf", scope_code="410212"))
    assert xf.get(f"{API}/rates", {"first": "2026-10-05", "last": "2026-10-11"}).json()["total"]["expected"] == 0
    assert login(user).get(f"{API}/rates").status_code == 404
    backwards = login(regulator).get(f"{API}/rates", {"first": "2026-10-11", "last": "2026-10-01"})
    assert backwards.status_code == 422 and backwards.json()["code"] == "validation_error"
    assert login(regulator).get(f"{API}/rates", {"first": "2025-01-01", "last": "2026-10-01"}).status_code == 422
    assert login(regulator).get(f"{API}/rates", {"first": "yesterday"}).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_an_officers_program_files_over_real_http_with_a_bearer_token(live_server) -> None:
    c1, _c2, _c3 = cells()
    user = officer(username="g_http")
    assign(user, c1, datetime.date(2026, 9, 1))
    secret = api_token_issue(actor=None, user=user, name="网格巡查 App").secret

    def call(method: str, path: str, body: dict[str, Any] | None = None, token: str | None = secret) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"{live_server.url}{API}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers=headers,
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())

    status, rows = call("GET", "/cells")
    assert status == 200 and [row["code"] for row in rows] == [c1.code]
    status, body = call("POST", f"/cells/{c1.code}/zero", {})
    assert status == 201 and body["is_zero"]
    status, again = call("POST", f"/cells/{c1.code}/zero", {})
    assert status == 200 and again["id"] == body["id"]
    assert GridReport.objects.get().officer == user
    with pytest.raises(urllib.error.HTTPError) as refused:
        call("POST", f"/cells/{c1.code}/zero", {}, token=None)
    assert refused.value.code == 401
