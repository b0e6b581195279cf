"""The inspections area's pages and API as people use them: the inspector's phone form, lists with filters and
Excel, the operator's notices and answers, evidence photos — and 404 for anyone out of reach."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shuangjian.core.tests.export_helpers import export_download
from shuangjian.enforcement import checklist, notices
from shuangjian.enforcement.models import EvidencePhoto, Inspection, InspectionStatus, NoticeStatus
from shuangjian.registry.tests.factories import InstitutionFactory, operator_for

from .inspection_helpers import inspector, issued, jpeg, record, regulator

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def download(c: Client, url: str) -> bytes:
    resp: Any = export_download(c, url)
    return b"".join(resp.streaming_content)


def test_the_inspector_records_an_inspection_on_the_phone_form() -> None:
    me = inspector()
    inst = InstitutionFactory.create(name="龙亭区表单测试培训中心")
    c = client_for(me)
    resp = c.post(reverse("enforcement:inspection_new"), {"institution": inst.pk, "kind": "routine"})
    insp = Inspection.objects.get(institution=inst)
    assert resp.status_code == 302 and resp["Location"] == reverse("enforcement:inspection_record", args=[insp.pk])
    tasks = c.get(reverse("enforcement:my_tasks")).content.decode()
    assert "龙亭区表单测试培训中心" in tasks
    page = c.get(reverse("enforcement:inspection_record", args=[insp.pk])).content.decode()
    assert "办学许可证公示" in page and "data-draft-key" in page and 'capture="environment"' in page
    cu = str(uuid.uuid4())
    data: dict[str, object] = {
        "client_uuid": cu,
        "inspector_signatures": "张三",
        "party_signature": "王五",
        f"photos_{checklist.PREMISES}": jpeg(gps=True),
    }
    for item in checklist.CHECKLIST:
        data[f"item_{item.code}"] = "passed"
    data[f"item_{checklist.PREMISES}"] = "failed"
    # A failed item without its note: the form comes back with the message, nothing recorded.
    bad = c.post(reverse("enforcement:inspection_record", args=[insp.pk]), data)
    assert bad.status_code == 400 and "写明发现的问题" in bad.content.decode()
    data[f"note_{checklist.PREMISES}"] = "消防通道堵塞"
    data[f"photos_{checklist.PREMISES}"] = jpeg(gps=True)
    ok = c.post(reverse("enforcement:inspection_record", args=[insp.pk]), data)
    assert ok.status_code == 302
    insp.refresh_from_db()
    assert insp.status == InspectionStatus.DONE and str(insp.client_uuid) == cu
    # The same draft posted again (the phone retrying) goes to the record, writing nothing.
    data[f"photos_{checklist.PREMISES}"] = jpeg()
    again = c.post(reverse("enforcement:inspection_record", args=[insp.pk]), data)
    assert again.status_code == 302 and EvidencePhoto.objects.count() == 1
    detail = c.get(reverse("enforcement:inspection_detail", args=[insp.pk])).content.decode()
    assert "消防通道堵塞" in detail and "下达整改通知书" in detail
    photo = EvidencePhoto.objects.get()
    img = c.get(reverse("enforcement:evidence_photo", args=[photo.pk]))
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    resp = c.post(reverse("enforcement:notice_issue", args=[insp.pk]), {"requirements": "限期整改"})
    notice = insp.notices.get()
    assert resp["Location"] == reverse("enforcement:notice_detail", args=[notice.pk])
    docx = c.get(reverse("enforcement:notice_docx", args=[notice.pk]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_regulator_lists_filter_and_export() -> None:
    me = inspector()
    reg = regulator()
    a = record(me, InstitutionFactory.create(name="甲培训"), failed={checklist.PRICES: "未公示"})
    notices.notice_issue(actor=me, inspection=a)
    record(me, InstitutionFactory.create(name="乙培训"))
    c = client_for(reg)
    page = c.get(reverse("enforcement:inspection_list"), {"q": "甲"}).content.decode()
    assert "甲培训" in page and "乙培训" not in page
    wb = load_workbook(io.BytesIO(download(c, reverse("enforcement:inspection_export"))))
    assert wb.active.max_row == 3
    listing = c.get(reverse("enforcement:notice_list"), {"status": "issued"}).content.decode()
    assert "甲培训" in listing
    wb = load_workbook(io.BytesIO(download(c, reverse("enforcement:notice_export"))))
    assert wb.active.max_row == 2


def test_the_operator_sees_only_its_own_notices_and_answers_with_evidence() -> None:
    me = inspector()
    inst = InstitutionFactory.create()
    other = InstitutionFactory.create()
    notice = issued(me, inst, {checklist.PRICES: "未公示"})
    others = issued(me, other, {checklist.PRICES: "未公示"})
    c = client_for(operator_for(inst))
    listing = c.get(reverse("enforcement:my_notices")).content.decode()
    assert notice.number in listing and others.number not in listing
    assert c.get(reverse("enforcement:my_notice_detail", args=[others.pk])).status_code == 404
    assert c.get(reverse("enforcement:my_notice_docx", args=[others.pk])).status_code == 404
    assert c.get(reverse("enforcement:notice_detail", args=[notice.pk])).status_code in (403, 404)
    resp = c.post(
        reverse("enforcement:my_notice_detail", args=[notice.pk]),
        {"text": "已公示收费标准", "photos": jpeg()},
    )
    assert resp.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ANSWERED
    photo = EvidencePhoto.objects.get(answer__notice=notice)
    assert c.get(reverse("enforcement:evidence_photo", args=[photo.pk])).status_code == 200
    other_photo = record(me, other, photos={checklist.LICENCE: [jpeg()]}).items.get(code="licence").photos.get()
    assert c.get(reverse("enforcement:evidence_photo", args=[other_photo.pk])).status_code == 404
    # The API answers the same.
    api = c.get("/api/v1/enforcement/notices").json()
    assert [n["id"] for n in api] == [notice.pk]
    assert c.get(f"/api/v1/enforcement/notices/{others.pk}").status_code == 404


def test_another_countys_staff_get_404_on_every_page_and_endpoint() -> None:
    me = inspector()
    inst = InstitutionFactory.create()
    insp = record(me, inst, failed={checklist.PRICES: "未公示"}, photos={checklist.PRICES: [jpeg()]})
    notice = notices.notice_issue(actor=me, inspection=insp)
    photo = EvidencePhoto.objects.get()
    from shuangjian.enforcement.inspections import ad_finding_record

    ad = ad_finding_record(
        actor=me, division_code="410202", kind="sign", place="x", found_on=notice.issued_on, subject_name="y"
    )
    for far in (inspector("far_insp", "410212"), regulator("far_reg", "410212")):
        c = client_for(far)
        for name, pk in (
            ("inspection_detail", insp.pk),
            ("inspection_record", insp.pk),
            ("notice_issue", insp.pk),
            ("evidence_photo", photo.pk),
            ("notice_detail", notice.pk),
            ("notice_action", notice.pk),
            ("notice_summons", notice.pk),
            ("notice_docx", notice.pk),
            ("ad_removed", ad.pk),
        ):
            url = reverse(f"enforcement:{name}", args=[pk])
            status = c.get(url).status_code
            if status == 405:
                status = c.post(url, {"action": "follow_up"}).status_code
            assert status == 404, (far.username, name, status)
        for name in ("inspection_list", "notice_list", "ad_list"):
            assert inst.name not in c.get(reverse(f"enforcement:{name}")).content.decode()
        assert c.get(f"/api/v1/enforcement/inspections/{insp.pk}").status_code == 404
        assert c.get(f"/api/v1/enforcement/notices/{notice.pk}").status_code == 404
        assert c.get("/api/v1/enforcement/inspections").json()["count"] == 0
        body: dict[str, Any] = {"client_uuid": str(uuid.uuid4()), "inspection_id": insp.pk, "items": []}
        assert (
            c.post("/api/v1/enforcement/inspections", json.dumps(body), content_type="application/json").status_code
            == 404
        )


def test_the_api_submits_an_inspection_once_per_client_uuid_and_refuses_bad_input_as_json() -> None:
    me = inspector()
    inst = InstitutionFactory.create()
    c = client_for(me)
    body: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "institution_id": inst.pk,
        "kind": "routine",
        "items": [{"code": i.code, "result": "passed"} for i in checklist.CHECKLIST],
        "inspector_signatures": "张三",
        "party_signature": "王五",
    }
    first = c.post("/api/v1/enforcement/inspections", json.dumps(body), content_type="application/json")
    assert first.status_code == 201, first.content
    second = c.post("/api/v1/enforcement/inspections", json.dumps(body), content_type="application/json")
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert Inspection.objects.count() == 1
    body["client_uuid"] = str(uuid.uuid4())
    body["items"] = body["items"][1:]
    bad = c.post("/api/v1/enforcement/inspections", json.dumps(body), content_type="application/json")
    assert bad.status_code == 422 and set(bad.json()) == {"detail", "code"}
    assert Inspection.objects.count() == 1
    got = c.get(f"/api/v1/enforcement/inspections/{first.json()['id']}").json()
    assert len(got["items"]) == len(checklist.CHECKLIST)


def test_dashboards_show_tasks_overdue_notices_and_the_operators_notices() -> None:
    me = inspector()
    inst = InstitutionFactory.create()
    issued(me, inst, {checklist.PRICES: "未公示"})
    assert "今日检查任务" in client_for(me).get(reverse("dashboard")).content.decode()
    assert "逾期未整改" in client_for(regulator()).get(reverse("dashboard")).content.decode()
    assert "待整改通知" in client_for(operator_for(inst)).get(reverse("dashboard")).content.decode()
