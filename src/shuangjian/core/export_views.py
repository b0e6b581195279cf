"""The export job pages: 我的导出 (the person's jobs), one job's page with its progress bar, the download."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .access import request_user
from .exact_counts import EXACT_PARAM, exact_count_start, list_total_of_job
from .excel import XLSX_CONTENT_TYPE
from .exports import (
    export_job_for_user,
    export_job_start,
    export_jobs_for_user,
    export_page,
    export_title,
    query_from_params,
)
from .models import Job, JobStatus
from .permissions import permission_required


def start_and_redirect(request: HttpRequest, *, kind: str, params: Mapping[str, Any]) -> HttpResponse:
    """What an export button's view answers: the job started (or the same one already running), then its page."""
    job = export_job_start(actor=request_user(request), kind=kind, params=params)
    return redirect("core:export_job", pk=job.pk)


def exact_count_start_and_return(request: HttpRequest, *, kind: str, params: Mapping[str, Any]) -> HttpResponse:
    """What a list's "统计准确总数" link answers: the count job started (or the same one reused), then the list
    again as it was (same filters and page), whose header now follows the job."""
    exact_count_start(actor=request_user(request), kind=kind, params=params)
    query = request.GET.copy()
    query.pop(EXACT_PARAM, None)
    return redirect(request.path + (f"?{query.urlencode()}" if query else ""))


def _page_url(job: Job) -> str:
    """The page the job's figures belong to, with the filters it was started with (a list's header figures)."""
    name = export_page(job)
    if not name:
        return ""
    query = query_from_params(job.params or {}).urlencode()
    return reverse(name) + (f"?{query}" if query else "")


def _context(job: Job) -> dict[str, object]:
    return {
        "job": job,
        "title": export_title(job),
        "page_url": _page_url(job),
        "finished": job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED),
    }


@login_required
@require_GET
@permission_required("core.use_account")
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = export_jobs_for_user(request_user(request))
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    for job in page.object_list:
        job.title = export_title(job)
    return render(request, "core/exports/list.html", {"page": page})


@login_required
@require_GET
@permission_required("core.use_account")
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_job_for_user(user=request_user(request), pk=pk)
    return render(request, "core/exports/job.html", _context(job))


@login_required
@require_GET
@permission_required("core.use_account")
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled every second by htmx until the job has finished."""
    job = export_job_for_user(user=request_user(request), pk=pk)
    return render(request, "core/exports/_progress.html", _context(job))


@login_required
@require_GET
@permission_required("core.use_account")
def exact_count_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """A list header's total while its count job runs, polled by htmx until the job has finished; ``more`` is
    the capped figure the list showed ("超过 N 家"), shown again until the exact one is known."""
    job = export_job_for_user(user=request_user(request), pk=pk)
    try:
        floor = min(max(int(request.GET.get("more", "0")), 0), 10**12)
    except ValueError:
        floor = 0
    total = list_total_of_job(job, floor=floor)
    if total is None:
        raise Http404
    return render(request, "core/exports/_list_total.html", {"list_total": total})


@login_required
@require_GET
@permission_required("core.use_account")
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = export_job_for_user(user=request_user(request), pk=pk)
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        raise Http404
    result = job.result or {}
    filename = str(result.get("filename") or f"export-{job.pk}.xlsx")
    content_type = str(result.get("content_type") or XLSX_CONTENT_TYPE)
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
