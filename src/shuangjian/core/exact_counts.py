"""A long list's exact total, counted by a background job instead of in the request (issue #17).

A list pages with ``CappedCountPaginator``: past its cap the header says "超过 N 家" and offers "统计准确总数".
An exact ``COUNT(*)`` over a province's 200 000 institutions (or its reports) reads every row in reach, so it is an
export job (``core.exports``) like any other read of everything: ``register_exact_count`` builds the kind from the
same scoped selector the list pages with (the job runs as its owner, in the owner's scope *when it runs*), and its
result is the count, kept in ``job.result["data"]["count"]``; no file is written.

The link (``?count=exact``) starts the job for exactly the list's filters, or reuses the same one still running or
finished less than ``EXACT_COUNT_REUSE`` ago, and returns to the list. The list then shows, from the newest such job
of the person (``list_total``): the exact figure with when it was counted, a panel that polls the job (htmx) while it
runs, or a message in Chinese when it failed. No one sees another person's job; a job started in another scope (the
person moved) is not shown.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from .exports import (
    SAME_JOB_WINDOW,
    ExportFile,
    ExportKind,
    JobProgress,
    export_job_start,
    export_jobs_for_user,
    kind_of_job,
    query_from_params,
    register_export,
)
from .models import Job, JobStatus, User
from .permissions import require

# The query parameter a list's "统计准确总数" link adds; the list's view answers it by starting the job.
EXACT_PARAM = "count"
EXACT_VALUE = "exact"
# Asked again within this time of a finished count (a double click, a reload of the link), the figure is that job's.
EXACT_COUNT_REUSE = datetime.timedelta(seconds=60)

# The phrase of a total: "共 20,000 家" for an exact one, "超过 10,000 家" for a capped one.
Phrase = Callable[[int], str]
# The rows a list shows for these params, scoped to the person: the list's own selector.
Rows = Callable[[User, Mapping[str, Any]], QuerySet[Any]]


@dataclass(frozen=True)
class CountKind:
    export: ExportKind
    total_text: Phrase
    more_text: Phrase


_COUNTS: dict[str, CountKind] = {}


def register_exact_count(
    name: str,
    title: str | Promise,
    permission: str,
    rows: Rows,
    *,
    page: str,
    total_text: Phrase,
    more_text: Phrase,
) -> ExportKind:
    """Register the export kind that counts ``rows(owner, params)`` exactly for the list at URL name ``page``."""

    def build(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
        n = int(rows(user, params).order_by().count())
        return ExportFile(stream=None, filename="", rows=n, data={"count": n})

    export = register_export(ExportKind(name, title, permission, build, page=page))
    _COUNTS[name] = CountKind(export, total_text, more_text)
    return export


def count_kind(name: str) -> CountKind | None:
    return _COUNTS.get(name)


def _jobs(user: User, count: CountKind, params: Mapping[str, Any]) -> QuerySet[Job]:
    return export_jobs_for_user(user).filter(
        kind=count.export.job_kind, division_code=user.scope_code, params=dict(params)
    )


# --- service ---------------------------------------------------------------------------------------------------


@transaction.atomic
def exact_count_start(*, actor: User, kind: str, params: Mapping[str, Any]) -> Job:
    """Count the list ``kind`` for ``params`` as ``actor`` in the background; the same count still running, or
    finished less than ``EXACT_COUNT_REUSE`` ago, is returned instead of a new job."""
    count = _COUNTS.get(kind)
    if count is None:
        raise Http404
    require(actor, count.export.permission)
    recent = (
        _jobs(actor, count, params)
        .filter(status=JobStatus.SUCCEEDED, finished_at__gte=timezone.now() - EXACT_COUNT_REUSE)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if recent is not None:
        return recent
    return export_job_start(actor=actor, kind=kind, params=params)


# --- selectors -------------------------------------------------------------------------------------------------


def exact_count_job_for_user(*, user: User, kind: str, params: Mapping[str, Any]) -> Job | None:
    """The person's newest count of ``kind`` for exactly ``params`` in their current scope: finished, or still
    queued or running (one queued longer than ``SAME_JOB_WINDOW`` lost its worker and is not waited for)."""
    count = _COUNTS.get(kind)
    if count is None:
        return None
    alive = Q(status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED)) | Q(
        status__in=(JobStatus.PENDING, JobStatus.RUNNING), created_at__gte=timezone.now() - SAME_JOB_WINDOW
    )
    return _jobs(user, count, params).filter(alive).order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class ListTotal:
    """What a capped list's header says about its total (``core/exports/_list_total.html``)."""

    kind: CountKind
    capped: bool  # the pager stopped counting: ``floor`` rows exist, maybe more
    floor: int
    job: Job | None
    start_url: str
    per_page: int = 0

    @property
    def running(self) -> bool:
        return self.capped and self.job is not None and self.job.status in (JobStatus.PENDING, JobStatus.RUNNING)

    @property
    def failed(self) -> bool:
        return self.capped and self.job is not None and self.job.status == JobStatus.FAILED

    @property
    def from_job(self) -> bool:
        return self.capped and self.job_count is not None

    @property
    def job_count(self) -> int | None:
        if self.job is None or self.job.status != JobStatus.SUCCEEDED:
            return None
        value = ((self.job.result or {}).get("data") or {}).get("count")
        return int(value) if isinstance(value, int) else None

    @property
    def exact(self) -> int | None:
        if not self.capped:
            return self.floor
        return self.job_count

    @property
    def pages(self) -> int | None:
        """The pages the job's exact count makes (the pager's "第 n / N 页" instead of "共超过 N 页")."""
        exact = self.job_count if self.from_job else None
        if exact is None or self.per_page <= 0:
            return None
        return max(-(-exact // self.per_page), 1)

    @property
    def text(self) -> str:
        exact = self.exact
        return self.kind.total_text(exact) if exact is not None else self.kind.more_text(self.floor)


def _start_url(count: CountKind, params: Mapping[str, Any]) -> str:
    query = query_from_params(params)
    query[EXACT_PARAM] = EXACT_VALUE
    return reverse(count.export.page) + "?" + query.urlencode()


def list_total(*, user: User, kind: str, params: Mapping[str, Any], paginator: Any) -> ListTotal:
    """The header of a list paged by ``CappedCountPaginator``: its own exact count when it counted everything, else
    the newest count job of the person for these ``params`` (one query, only for a capped list)."""
    count = _COUNTS[kind]
    capped = bool(getattr(paginator, "is_capped", False))
    floor = int(paginator.count_floor if capped else paginator.count)
    job = exact_count_job_for_user(user=user, kind=kind, params=params) if capped else None
    return ListTotal(
        kind=count,
        capped=capped,
        floor=floor,
        job=job,
        start_url=_start_url(count, params),
        per_page=int(getattr(paginator, "per_page", 0) or 0),
    )


def list_total_of_job(job: Job, *, floor: int) -> ListTotal | None:
    """The header again for a count job being polled (its list was capped at ``floor``); None if not a count."""
    export = kind_of_job(job)
    count = _COUNTS.get(export.name) if export is not None else None
    if count is None:
        return None
    return ListTotal(kind=count, capped=True, floor=max(floor, 0), job=job, start_url=_start_url(count, job.params))
