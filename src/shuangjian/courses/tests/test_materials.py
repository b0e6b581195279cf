"""Course materials: accepted by content (PDF, DOCX, PPTX, JPG, PNG) within the size limit, and served only to the
course's operator and regulators in scope, as a download, with DEBUG off as in production."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.courses import services
from shuangjian.courses.models import CourseMaterial

from .factories import CourseFactory, operator_with_institution

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office(main_part: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
        for name in extra:
            archive.writestr(name, "x")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def file_it(operator: Any, course: Any, name: str, content: bytes) -> CourseMaterial:
    return services.material_file(actor=operator, course=course, title="讲义", file=upload(name, content))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("讲义.pdf", PDF),
        ("讲义.docx", office("word/document.xml")),
        ("课件.pptx", office("ppt/presentation.xml")),
        ("扫描.png", PNG),
        ("扫描.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
    ],
)
def test_documents_slides_and_scans_are_filed(name: str, content: bytes) -> None:
    operator, institution = operator_with_institution()
    material = file_it(operator, CourseFactory.create(institution=institution), name, content)
    assert material.status == "pending" and material.file


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("讲义.html", b"<html><script>alert(1)</script></html>", "upload_type"),
        ("讲义.pdf", b"<html><script>alert(1)</script></html>", "upload_type"),  # HTML under a PDF name
        ("图.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "upload_type"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, "upload_type"),
        ("讲义.pdf", b"MZ\x90\x00" + b"\x00" * 64, "upload_type"),  # an executable under a PDF name
        ("宏.docx", office("word/document.xml", "word/vbaProject.bin"), "upload_type"),  # macro-enabled
        ("表.xlsx", office("xl/workbook.xml"), "upload_type"),  # a workbook is not a teaching material
        ("压缩.zip", office("other/thing.xml"), "upload_type"),
        ("讲义.docx", PDF, "upload_name_mismatch"),  # a PDF named .docx would open in the wrong program
        ("空.pdf", b"", "upload_empty"),
    ],
)
def test_other_types_are_refused_by_content_and_nothing_is_stored(name: str, content: bytes, code: str) -> None:
    operator, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    with pytest.raises(ValidationError) as exc:
        file_it(operator, course, name, content)
    assert exc.value.error_dict["file"][0].code == code
    assert CourseMaterial.objects.count() == 0


def test_the_size_limit_is_a_setting_and_named_in_the_refusal(settings: Any) -> None:
    settings.COURSES_MATERIAL_MAX_BYTES = 1024 * 1024
    operator, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        file_it(operator, course, "大.pdf", big)
    assert "1 MB" in exc.value.messages[0]
    assert CourseMaterial.objects.count() == 0
    settings.COURSES_MATERIAL_MAX_BYTES = 2 * 1024 * 1024
    assert file_it(operator, course, "大.pdf", big).pk


def test_zip_bombs_are_refused_from_the_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangjian.core import uploads

    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED_BYTES", 1000)
    operator, institution = operator_with_institution()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "0" * 5000)  # compresses to a few bytes
    with pytest.raises(ValidationError) as exc:
        file_it(operator, CourseFactory.create(institution=institution), "炸弹.docx", buffer.getvalue())
    assert exc.value.error_dict["file"][0].code == "upload_zip_limits"


def test_the_form_shows_the_refusal_beside_the_file(client: Any) -> None:
    operator, institution = operator_with_institution()
    course = CourseFactory.create(institution=institution)
    client.force_login(operator)
    url = reverse("courses:course_detail", args=[course.pk])
    response = client.post(url, {"title": "讲义", "file": upload("x.svg", b"<svg/>")})
    assert response.status_code == 200 and "格式不受理" in response.content.decode()
    assert CourseMaterial.objects.count() == 0


def test_the_file_is_served_to_its_operator_and_regulators_in_scope_only(client: Any, settings: Any) -> None:
    settings.DEBUG = False  # production: no MEDIA_URL serving, the view does it
    operator, institution = operator_with_institution()
    material = file_it(operator, CourseFactory.create(institution=institution), "第一讲.pdf", PDF)
    url = reverse("courses:material_download", args=[material.pk])
    assert client.get(url).status_code == 302  # to the login page

    for allowed in (operator, RegulatorFactory.create(scope_code=institution.division_code[:4])):
        client.force_login(allowed)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF

    other_operator, _ = operator_with_institution()
    elsewhere = RegulatorFactory.create(scope_code="410203")
    for refused in (other_operator, elsewhere):
        client.force_login(refused)
        assert client.get(url).status_code == 404
    client.force_login(RegulatorFactory.create(scope_code=institution.division_code[:4]))
    queue = client.get(reverse("courses:material_queue")).content.decode()
    assert url in queue and "/media/" not in queue
