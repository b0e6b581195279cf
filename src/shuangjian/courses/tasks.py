"""Celery tasks of the courses app: thin wrappers around the scan service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from shuangjian.core.models import Job

from .scan import violation_scan


@shared_task(name="shuangjian.courses.tasks.violation_scan_task")
def violation_scan_task(job_id: int | None = None, prefix: str = "") -> dict[str, Any]:
    """The periodic (beat) or on-demand violation scan; progress in the Job when one is given."""
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if job is None:
        job = Job.objects.create(kind="courses.violation_scan", division_code=prefix, params={"prefix": prefix})
    result = violation_scan(job=job, prefix=prefix)
    return {"job_id": job.pk, "found": result.found, "new": result.new, "resolved": result.resolved}
