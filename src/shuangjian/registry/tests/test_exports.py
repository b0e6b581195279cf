"""Excel export of a filtered institution list: the same filters and scope as the list, large ones as a job."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shuangjian.core.models import JobStatus
from shuangjian.core.tests.export_helpers import export_download, start_export
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.registry import exports
from shuangjian.registry.models import Category, InstitutionStatus, NonSubjectField

from .helpers import body, divisions, make_institution, read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulator(client: Any) -> Any:
    divisions()
    user = RegulatorFactory(username="lt_export")
    client.force_login(user)
    make_institution(name="龙亭数学学校")
    make_institution(
        name="龙亭体育学校", category=Category.NON_SUBJECT, field=NonSubjectField.SPORTS, licensed_subjects=[]
    )
    make_institution(name="龙亭申请中学校", status=InstitutionStatus.APPLYING, licence_no=None)
    make_institution(name="祥符数学学校", division_code="410212")
    return user


def names(response: Any) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    rows = read_xlsx(body(response))
    assert rows[0][0] == "机构名称" and rows[0][1] == "统一社会信用代码"
    return [r[0] for r in rows[1:]]


def test_export_matches_filters_and_scope(client: Any, regulator: Any) -> None:
    url = reverse("registry:institution_export")
    assert sorted(names(export_download(client, url))) == ["龙亭体育学校", "龙亭数学学校", "龙亭申请中学校"]
    assert names(export_download(client, url, {"category": "non_subject"})) == ["龙亭体育学校"]
    assert names(export_download(client, url, {"status": "applying"})) == ["龙亭申请中学校"]
    assert names(export_download(client, url, {"q": "数学"})) == ["龙亭数学学校"]
    assert names(export_download(client, url, {"division": "410212"})) == []  # another county stays out of reach
    city = RegulatorFactory(username="kf_export", scope_code="4102")
    client.force_login(city)
    assert "祥符数学学校" in names(export_download(client, url, {"q": "数学"}))


def test_every_export_runs_as_a_job_with_progress(client: Any, regulator: Any) -> None:
    job = start_export(client, reverse("registry:institution_export"), {"q": "龙亭"})
    assert job.kind == "export.registry.institutions" and job.params == {"q": "龙亭"}
    assert job.status == JobStatus.SUCCEEDED and (job.done, job.total) == (3, 3)
    assert len(names(client.get(reverse("core:export_download", args=[job.pk])))) == 3
    assert "下载文件" in client.get(reverse("core:export_job", args=[job.pk])).content.decode()


def test_export_needs_a_staff_role(client: Any, regulator: Any) -> None:
    client.force_login(UserFactory(username="parent_x"))
    assert client.get(reverse("registry:institution_export")).status_code == 404
