"""Hostile and broken input on the public form and the Open311 API: a clear message, never a 500, nothing stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from shuangjian.complaints.models import Report, ReportPhoto

from .factories import jpeg

pytestmark = pytest.mark.django_db
FORM = "/public/reports/"
API = "/api/v1/public/open311/requests.json"
GOOD = {"category": "ads", "address": "龙亭区中山路 1 号", "description": "小区门口发传单"}


def _svg() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")


def _fake() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is an executable, not a photo")


def _huge() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 10))


def _bomb() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, format="PNG")
    return SimpleUploadedFile("bomb.png", buf.getvalue())


CASES = [
    ("svg", {"photos": [_svg]}, "不是照片"),
    ("fake image", {"photos": [_fake]}, "不是照片"),
    ("huge image", {"photos": [_huge]}, "上限"),
    ("pixel bomb", {"photos": [_bomb]}, "像素过多"),
    ("ten photos", {"photos": [jpeg] * 10}, "最多上传 9 张"),
    ("empty fields", {"category": "", "address": "", "description": ""}, "此项为必填项"),
    ("unknown category", {"category": "nonsense"}, "选择"),
    ("1 MB description", {"description": "字" * 1_000_000}, "内容过长"),
    ("NUL character", {"description": "abc\x00def"}, "空字符"),
    ("county unknown", {"address": "某地某路"}, "请选择县区"),
    ("bad phone", {"phone": "<script>"}, "有效的电话"),
]


@pytest.mark.parametrize(("name", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_form_refuses_and_stores_nothing(counties: None, name: str, change: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = {**GOOD, **{k: v for k, v in change.items() if k != "photos"}}
    if "photos" in change:
        data["photos"] = [make() for make in change["photos"]]
    resp = Client().post(FORM, data)
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_script_tag_is_shown_escaped(counties: None) -> None:
    c = Client()
    resp = c.post(FORM, {**GOOD, "description": "<script>alert('x')</script>", "institution_name": "<b>名</b>"})
    assert resp.status_code == 302
    page = c.get(resp["Location"]).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<b>名</b>" not in page


def test_unknown_uscc_is_refused(counties: None) -> None:
    resp = Client().post(FORM, {**GOOD, "institution_uscc": "91410000XXXXXXXXXX"})
    assert "没有找到" in resp.content.decode() and Report.objects.count() == 0


def test_challenge_after_a_few_reports_and_rate_limit(counties: None, settings: Any) -> None:
    settings.COMPLAINTS_CHALLENGE_AFTER = 2
    settings.COMPLAINTS_INTAKE_RATE_LIMIT = "4/h"
    c = Client()
    assert c.post(FORM, GOOD).status_code == 302
    assert c.post(FORM, GOOD).status_code == 302
    page = c.get(FORM).content.decode()
    assert "验证问题" in page
    resp = c.post(FORM, {**GOOD, "challenge": "999", "challenge_token": "forged"})
    assert "请正确回答验证问题" in resp.content.decode() and Report.objects.count() == 2
    token = resp.context["challenge_token"]
    question = resp.context["challenge"]
    a, b = (int(x) for x in question.split("=")[0].split("+"))
    assert c.post(FORM, {**GOOD, "challenge": str(a + b), "challenge_token": token}).status_code == 302
    limited = c.post(FORM, GOOD)
    assert limited.status_code == 429 and limited["Retry-After"]
    assert Report.objects.count() == 3


API_CASES = [
    ("unknown category", {"service_code": "nope"}, "service_code"),
    ("empty description", {"description": ""}, "description"),
    ("1 MB description", {"description": "x" * 1_000_000}, "description"),
    ("latitude out of range", {"lat": "123"}, "lat"),
    ("not a number", {"lat": "north"}, "lat"),
]


@pytest.mark.parametrize(("name", "change", "field"), API_CASES, ids=[c[0] for c in API_CASES])
def test_api_refuses_and_stores_nothing(counties: None, name: str, change: dict[str, str], field: str) -> None:
    data = {"service_code": "ads", "address_string": "龙亭区中山路 1 号", "description": "发传单", **change}
    resp = Client().post(API, data)
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "validation_error" or body["code"] == "unknown_service"
    assert field in str(body["detail"])
    assert Report.objects.count() == 0


def test_api_refuses_an_svg_and_ten_photos(counties: None) -> None:
    data = {"service_code": "ads", "address_string": "龙亭区中山路 1 号", "description": "发传单"}
    assert Client().post(API, {**data, "media": [_svg()]}).status_code == 422
    assert Client().post(API, {**data, "media": [jpeg() for _ in range(10)]}).status_code == 422
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0
