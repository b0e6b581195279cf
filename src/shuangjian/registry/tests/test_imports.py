"""Survey import: template, every kind of bad row and file, both modes, upsert by USCC, jobs and progress."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuangjian.core.models import AuditEvent, Job, JobStatus
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.registry import imports
from shuangjian.registry.imports import ERROR_COLUMN, survey_columns
from shuangjian.registry.models import Institution, InstitutionStatus, SurveyRecord

from .helpers import body, divisions, make_institution, new_uscc, read_xlsx, survey_row, survey_xlsx

pytestmark = pytest.mark.django_db

URL = "/registry/imports/survey/"


@pytest.fixture
def regulator(client: Any) -> Any:
    divisions()
    user = RegulatorFactory(username="lt_import")
    client.force_login(user)
    return user


def upload(client: Any, data: bytes, *, mode: str = "all", name: str = "survey.xlsx", capture: Any) -> Any:
    """Post the file (running on-commit work as a real commit would), then open the page it leads to."""
    with capture(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile(name, data), "mode": mode, "year": 2026})
    if response.status_code == 302:
        return client.get(response["Location"])
    return response


def job_of(response: Any) -> Job:
    return response.context["job"]


def test_template_has_every_survey_header(client: Any, regulator: Any) -> None:
    response = client.get(reverse("registry:survey_template"))
    assert response.status_code == 200
    rows = read_xlsx(body(response))
    assert rows[0] == [c.header for c in survey_columns()]
    for header in ("机构名称", "统一社会信用代码", "类别", "学科或领域", "培训场所地址", "每周培训时长（小时）"):
        assert header in rows[0]
    assert {"培训形式", "培训内容", "教师人数", "收费项目及标准"} <= set(rows[0])


def test_good_file_creates_institutions_and_survey_records(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        survey_row(),
        survey_row(category="非学科类", subjects="体育", division="410202001", licence_no="体民14102021"),
    ]
    response = upload(client, survey_xlsx(rows), capture=django_capture_on_commit_callbacks)
    job = job_of(response)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["created"] == 2 and job.result["imported"] is True
    first = Institution.objects.get(uscc=rows[0]["uscc"])
    # No licence in the sheet: operating unlicensed, not an application.
    assert first.licensed_subjects == ["math", "english"] and first.status == InstitutionStatus.UNLICENSED
    second = Institution.objects.get(uscc=rows[1]["uscc"])
    assert second.field == "sports" and second.township_code == "410202001" and second.division_code == "410202"
    assert second.status == InstitutionStatus.ACTIVE  # licensed in the sheet, no status given
    record = SurveyRecord.objects.get(institution=first, year=2026)
    assert record.weekly_hours == 12 and record.teacher_count == 5 and record.fee_items == "数学 每课时 80 元"
    events = AuditEvent.objects.filter(action="registry.survey_import")
    assert events.count() == 1
    assert (events.get().after or {})["created"] == 2
    assert "已导入" in response.content.decode()


def test_every_kind_of_bad_row_is_reported_and_nothing_is_imported(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    dup = new_uscc()
    rows = [
        survey_row(name="好机构"),  # row 2: fine
        survey_row(uscc="91410202MA0000000X"),  # row 3: bad check character
        survey_row(name=""),  # row 4: missing required field
        survey_row(division="410299"),  # row 5: unknown division
        survey_row(division="410212"),  # row 6: another county, out of the importer's scope
        survey_row(uscc=dup),  # row 7
        survey_row(uscc=dup),  # row 8: duplicate of row 7 in the file
        survey_row(weekly_hours="很多"),  # row 9: wrong type
        survey_row(teacher_count=3.5),  # row 10: not an integer
        survey_row(category="学科类", subjects="钢琴"),  # row 11: not a subject
        survey_row(training_format="函授"),  # row 12: unknown format
    ]
    response = upload(client, survey_xlsx(rows), capture=django_capture_on_commit_callbacks)
    job = job_of(response)
    assert job.status == JobStatus.SUCCEEDED
    result = job.result
    assert result["imported"] is False and result["bad_rows"] == 9 and result["total_rows"] == 11
    assert Institution.objects.count() == 0 and SurveyRecord.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found >= {
        (3, "统一社会信用代码"),
        (4, "机构名称"),
        (5, "所属区划代码"),
        (6, "所属区划代码"),
        (8, "统一社会信用代码"),
        (9, "每周培训时长（小时）"),
        (10, "教师人数"),
        (11, "学科或领域"),
        (12, "培训形式"),
    }
    messages = {e["row"]: e["message"] for e in result["errors"]}
    assert "校验位" in messages[3]
    assert "必填" in messages[4]
    assert "不存在" in messages[5]
    assert "不在本辖区" in messages[6]
    assert "第 7 行" in messages[8]
    assert "数字" in messages[9]
    assert "整数" in messages[10]
    page = response.content.decode()
    assert "未导入任何数据" in page and "不在本辖区" in page

    # The error workbook repeats the uploaded rows with the reasons in an extra column.
    download = client.get(reverse("registry:job_download", args=[job.pk]))
    assert download.status_code == 200
    sheet = read_xlsx(body(download))
    assert sheet[0][-1] == ERROR_COLUMN
    assert sheet[1][-1] in (None, "")  # row 2 was fine
    assert "校验位" in sheet[2][-1] and "统一社会信用代码" in sheet[2][-1]
    assert sheet[3][0] in (None, "") and "机构名称" in sheet[3][-1]
    assert len(sheet) == 12


def test_good_rows_mode_imports_only_the_good_rows(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    good = survey_row()
    rows = [good, survey_row(uscc="123"), survey_row(site_address="")]
    response = upload(client, survey_xlsx(rows), mode="good", capture=django_capture_on_commit_callbacks)
    job = job_of(response)
    assert job.result["imported"] is True and job.result["created"] == 1 and job.result["bad_rows"] == 2
    assert list(Institution.objects.values_list("uscc", flat=True)) == [good["uscc"]]


def test_reimport_updates_by_uscc_without_duplicating(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    existing = make_institution(name="旧名称培训学校", phone="0371-1")
    history_before = existing.history.count()
    rows = [survey_row(uscc=existing.uscc, name="新名称培训学校", phone="", teacher_count=9)]
    job = job_of(upload(client, survey_xlsx(rows), capture=django_capture_on_commit_callbacks))
    assert job.result["updated"] == 1 and job.result["created"] == 0
    existing.refresh_from_db()
    assert existing.name == "新名称培训学校"
    assert existing.phone == "0371-1"  # a blank optional cell keeps what is on record
    assert existing.history.count() == history_before + 1
    assert Institution.objects.count() == 1
    # The same file again changes nothing and still does not duplicate.
    job = job_of(upload(client, survey_xlsx(rows), capture=django_capture_on_commit_callbacks))
    assert job.result["unchanged"] == 1 and job.result["updated"] == 0
    assert Institution.objects.count() == 1 and SurveyRecord.objects.get().teacher_count == 9


def test_reimport_of_an_institution_of_another_county_is_refused(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = make_institution(division_code="410212", name="祥符区机构")
    job = job_of(upload(client, survey_xlsx([survey_row(uscc=other.uscc)]), capture=django_capture_on_commit_callbacks))
    assert job.result["imported"] is False and "其他辖区" in job.result["errors"][0]["message"]
    other.refresh_from_db()
    assert other.name == "祥符区机构" and other.division_code == "410212"


def test_licence_number_of_another_institution_is_a_row_error(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = make_institution()
    job = job_of(
        upload(
            client, survey_xlsx([survey_row(licence_no=other.licence_no)]), capture=django_capture_on_commit_callbacks
        )
    )
    assert job.result["errors"][0]["column"] == "办学许可证号"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.xlsx", "空文件"),
        (b"name,uscc\nfoo,bar\n", "survey.csv", "不是 Excel"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", ".xls"),
        (b"PK\x03\x04 broken zip", "broken.xlsx", "无法读取"),
    ],
)
def test_files_that_are_not_usable_excel_get_a_clear_message(
    client: Any, regulator: Any, data: bytes, name: str, message: str, django_capture_on_commit_callbacks: Any
) -> None:
    response = upload(client, data, name=name, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in e for e in errors), errors
    assert Job.objects.count() == 0


def test_header_only_and_wrong_headers(client: Any, regulator: Any, django_capture_on_commit_callbacks: Any) -> None:
    response = upload(client, survey_xlsx([]), capture=django_capture_on_commit_callbacks)
    assert any("没有数据行" in e for e in response.context["form"].errors["file"])
    response = upload(client, survey_xlsx([{}], headers=["名称", "代码"]), capture=django_capture_on_commit_callbacks)
    assert any("缺少必填列" in e for e in response.context["form"].errors["file"])
    assert Job.objects.count() == 0


def test_ten_megabyte_junk_upload_is_a_form_error_not_a_crash(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    junk = os.urandom(10 * 1024 * 1024 + 1)
    response = upload(client, junk, name="junk.xlsx", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert any("10 MB" in e for e in response.context["form"].errors["file"])
    assert Job.objects.count() == 0


def test_large_file_runs_as_a_background_job_with_a_progress_page(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(imports, "INLINE_MAX_ROWS", 1)
    monkeypatch.setattr(imports, "CHUNK", 2)
    calls: list[int] = []
    original = imports.survey_import_task.delay

    def spy(job_id: int) -> Any:
        calls.append(job_id)
        return original(job_id)

    monkeypatch.setattr(imports.survey_import_task, "delay", spy)
    rows = [survey_row() for _ in range(5)]
    response = upload(client, survey_xlsx(rows), capture=django_capture_on_commit_callbacks)
    job = job_of(response)
    assert calls == [job.pk]  # went through Celery (eager in tests)
    assert job.status == JobStatus.SUCCEEDED and job.done == 5 and Institution.objects.count() == 5
    # A finished job's panel stops polling; an unfinished one polls every second.
    panel = client.get(reverse("registry:job_progress", args=[job.pk])).content.decode()
    assert "every 1s" not in panel and "100%" in panel
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=2, total=5)
    panel = client.get(reverse("registry:job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in panel and "40%" in panel


def test_jobs_of_others_and_the_page_for_non_regulators_are_404(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = job_of(upload(client, survey_xlsx([survey_row()]), capture=django_capture_on_commit_callbacks))
    other = RegulatorFactory(username="lt_other")
    client.force_login(other)
    assert client.get(reverse("registry:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("registry:job_download", args=[job.pk])).status_code == 404
    client.force_login(UserFactory(username="a_parent"))
    assert client.get(URL).status_code == 404
    assert client.get(reverse("registry:survey_template")).status_code == 404


def test_a_crash_while_writing_leaves_nothing_half_imported(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    original = imports.write_rows

    def write_then_fail(**kwargs: Any) -> None:
        original(**kwargs)  # rows are written, then something breaks before the transaction commits
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "write_rows", write_then_fail)
    job = job_of(upload(client, survey_xlsx([survey_row(), survey_row()]), capture=django_capture_on_commit_callbacks))
    assert job.status == JobStatus.FAILED and "未导入任何数据" in job.message
    assert Institution.objects.count() == 0 and SurveyRecord.objects.count() == 0
