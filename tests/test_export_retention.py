"""Export files are kept EXPORT_RETENTION_DAYS (core.exports.export_files_expire, hourly from beat): then the file
is deleted, the job is marked expired, and its page says so instead of offering a dead link."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from shuangjian.core import exports
from shuangjian.core.models import Job, JobStatus, User
from shuangjian.core.tests.export_helpers import start_export
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry.tests.helpers import divisions, make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def county() -> User:
    divisions()
    make_institution(name="龙亭区合规机构")
    return RegulatorFactory.create(username="lt_keeper")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_old_export_loses_its_file_and_its_page_says_it_expired(county: User, settings: object) -> None:
    client = _client(county)
    job = start_export(client, reverse("registry:whitelist_export"))
    storage, name = job.result_file.storage, job.result_file.name
    assert job.status == JobStatus.SUCCEEDED and storage.exists(name)
    assert job.finished_at is not None

    assert exports.export_files_expire(now=job.finished_at + datetime.timedelta(days=6)) == 0  # within 7 days
    assert storage.exists(name)
    assert exports.export_files_expire(now=job.finished_at + datetime.timedelta(days=7, minutes=1)) == 1
    job.refresh_from_db()
    assert not storage.exists(name) and job.status == JobStatus.EXPIRED and not job.result_file
    page = client.get(reverse("core:export_job", args=[job.pk])).content.decode()
    assert "已过期" in page and "保留期（7 天）" in page and "重新导出" in page
    assert 'data-testid="job-download"' not in page and "hx-get" not in page  # no dead link, no polling
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    listing = client.get(reverse("core:export_list")).content.decode()
    assert "已过期" in listing and reverse("core:export_download", args=[job.pk]) not in listing
    # Run again: nothing left to do; a new export of the same list works as before.
    assert exports.export_files_expire(now=job.finished_at + datetime.timedelta(days=30)) == 0
    again = start_export(client, reverse("registry:whitelist_export"))
    assert again.pk != job.pk and again.status == JobStatus.SUCCEEDED


def test_retention_follows_the_setting_and_spares_other_jobs(county: User, settings: object) -> None:
    settings.EXPORT_RETENTION_DAYS = 2  # type: ignore[attr-defined]
    client = _client(county)
    done = start_export(client, reverse("registry:whitelist_export"))
    assert done.finished_at is not None
    failed = Job.objects.create(kind="export.registry.whitelist", owner=county, status=JobStatus.FAILED)
    Job.objects.filter(pk=failed.pk).update(finished_at=done.finished_at)
    other = Job.objects.create(kind="registry.import", owner=county, status=JobStatus.SUCCEEDED)
    Job.objects.filter(pk=other.pk).update(finished_at=done.finished_at, result_file="jobs/out/keep.xlsx")
    # The file is already gone (deleted by hand): the job still expires, nothing fails.
    done.result_file.storage.delete(done.result_file.name)
    assert exports.export_files_expire(now=done.finished_at + datetime.timedelta(days=2, seconds=1)) == 1
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {done.pk: JobStatus.EXPIRED, failed.pk: JobStatus.FAILED, other.pk: JobStatus.SUCCEEDED}


def test_the_task_is_scheduled_hourly(settings: object) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE  # type: ignore[attr-defined]
    assert any(entry["task"] == "core.export_files_expire" for entry in schedule.values())
    assert exports.export_files_expire_task() == 0
