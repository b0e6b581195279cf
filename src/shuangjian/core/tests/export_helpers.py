"""Following an export as a person does: the button starts a job, the job runs, the file is downloaded."""

from __future__ import annotations

from typing import Any

from django.test import TestCase
from django.urls import resolve, reverse

from shuangjian.core.models import Job, JobStatus


def start_export(client: Any, url: str, data: Any = None) -> Job:
    """GET an export button's URL (the job runs on commit, eagerly); the job it redirected to."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url, data)
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.view_name == "core:export_job", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def export_download(client: Any, url: str, data: Any = None) -> Any:
    """The downloaded file's response, once the export started from ``url`` has succeeded."""
    job = start_export(client, url, data)
    assert job.status == JobStatus.SUCCEEDED, job.message
    return client.get(reverse("core:export_download", args=[job.pk]))


def start_count(client: Any, url: str, data: Any = None) -> Job:
    """Click a capped list's "统计准确总数" (``?count=exact``): the count job runs on commit (eagerly) and the link
    comes back to the list as it was; the job it started (or reused)."""
    query = {**(data or {}), "count": "exact"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url, query)
    assert response.status_code == 302, response.status_code
    back = response["Location"]
    assert resolve(back.split("?")[0]).view_name == resolve(url).view_name, back
    assert "count=exact" not in back, back
    return Job.objects.filter(kind__startswith="export.", kind__endswith="_count").order_by("-created_at", "-pk")[0]
