"""Exports as background jobs: every download that must read everything runs outside the request.

Each app registers its export kinds here (``register_export`` at import of its ``exports.py``): a name, a title,
the permission the export needs and a *builder*. ``export_job_start`` records a ``core.models.Job`` owned by the
person (audited) and queues it after the transaction commits (Celery; eager in development and tests).
``export_job_run`` re-reads the owner from the database and re-checks, as the job starts, that the owner is still
active and still holds the permission; the builder then reads through the owner's scoped selectors, so what the
file holds is what the owner may see *when it runs*. The builder writes its workbook (``core.excel.write_xlsx``:
write-only, rows streamed to a temporary file, formula-like text kept as text) and reports progress through
``JobProgress``, which writes ``done``/``total`` on the job row in short transactions of their own, so the job
page (polled every second) sees them while the export runs. Whatever goes wrong ends the job as failed with a
message in Chinese; a request never sees a 500 from an export.

The file is downloaded from the job's page by its owner only (``export_job_for_user``: anyone else gets a 404).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from .audit import audit_record
from .db_routing import replica_reads
from .excel import PROGRESS_EVERY, XLSX_CONTENT_TYPE, write_xlsx
from .models import Job, JobStatus, User
from .permissions import can, require

logger = logging.getLogger(__name__)

JOB_KIND_PREFIX = "export."
# The same export asked again within this time while the first is still queued or running is the first one; a
# job stuck longer (a worker lost) does not stop the person from starting a new one.
SAME_JOB_WINDOW = datetime.timedelta(minutes=10)
AUDIT_ACTION = "export.start"


class JobProgress:
    """Writes a running job's progress on its row, each write its own short transaction (not the caller's)."""

    def __init__(self, job_id: int, *, every: int | None = None) -> None:
        self.job_id = job_id
        self.every = every or PROGRESS_EVERY

    def _write(self, **fields: int) -> None:
        # In a block of its own, so this write does not pin the builder's later reads to the primary.
        with replica_reads(enabled=False), transaction.atomic():
            Job.objects.filter(pk=self.job_id).update(**fields)

    def total(self, n: int) -> None:
        self._write(total=max(int(n), 0))

    def __call__(self, done: int) -> None:
        self._write(done=max(int(done), 0))

    def rows(self, rows: Iterable[Any]) -> Iterable[Any]:
        """``rows`` passed through, with ``done`` written every ``every`` rows (for builders not on write_xlsx)."""
        n = 0
        for n, row in enumerate(rows, start=1):
            yield row
            if n % self.every == 0:
                self(n)


@dataclass(frozen=True)
class ExportFile:
    """What a builder made: the rewound file, its download name, how many data rows it holds. A job that only
    computes figures for a page (an exact count) makes no file: ``stream`` is None and there is nothing to download."""

    stream: IO[bytes] | None
    filename: str
    rows: int
    content_type: str = XLSX_CONTENT_TYPE
    # Figures a page shows from the job (a statistics page computed in the background), kept in job.result.
    data: Mapping[str, Any] | None = None


# A builder: the owner (re-read at run time), the params the export was started with, the job's progress.
Builder = Callable[[User, Mapping[str, Any], JobProgress], ExportFile]


@dataclass(frozen=True)
class ExportKind:
    name: str  # "enforcement.notices"; the job's kind is "export.<name>"
    title: str | Promise  # shown on the job pages: "整改通知书"
    permission: str  # what the owner must hold, when the job is started and again when it runs
    build: Builder
    page: str = ""  # the URL name of the page the job's results belong to (a link back from the job's page)

    @property
    def job_kind(self) -> str:
        return JOB_KIND_PREFIX + self.name


_KINDS: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> ExportKind:
    if len(kind.job_kind) > 64:
        raise ValueError(f"export kind name too long: {kind.name}")
    _KINDS[kind.name] = kind
    return kind


def export_kind(name: str) -> ExportKind | None:
    return _KINDS.get(name)


def export_kinds() -> dict[str, ExportKind]:
    return dict(_KINDS)


def kind_of_job(job: Job) -> ExportKind | None:
    if not job.kind.startswith(JOB_KIND_PREFIX):
        return None
    return _KINDS.get(job.kind.removeprefix(JOB_KIND_PREFIX))


def xlsx_file(
    progress: JobProgress,
    *,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str,
    widths: Sequence[int] | None = None,
    total: int | None = None,
) -> ExportFile:
    """The usual builder's end: ``rows`` written under ``headers`` by ``write_xlsx``, progress reported."""
    if total is not None:
        progress.total(total)
    count = 0

    def counted() -> Iterator[Sequence[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    stream = write_xlsx(headers, counted(), title=title, widths=widths, on_row=progress)
    return ExportFile(stream=stream, filename=filename, rows=count)


def stamp() -> str:
    """The time in a download's name: 202612031530."""
    return timezone.localtime().strftime("%Y%m%d%H%M")


# --- params: a request's query string kept on the job as JSON ------------------------------------------------


def params_from_query(query: QueryDict, *, drop: Iterable[str] = ("page", "export")) -> dict[str, list[str]]:
    """A request's query as JSON-able params (every value kept, in order), without paging or the export flag."""
    skip = set(drop)
    return {key: query.getlist(key) for key in query if key not in skip}


def query_from_params(params: Mapping[str, Any]) -> QueryDict:
    """The QueryDict a view built its list from, back from ``params_from_query``'s dict."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        if isinstance(values, list):
            query.setlist(str(key), [str(v) for v in values])
        elif values is not None:
            query[str(key)] = str(values)
    return query


# --- services --------------------------------------------------------------------------------------------------


@transaction.atomic
def export_job_start(*, actor: User, kind: str, params: Mapping[str, Any] | None = None) -> Job:
    """Queue an export of ``kind`` for ``actor``; the same export already queued or running is returned instead."""
    export = _KINDS.get(kind)
    if export is None:
        raise Http404
    require(actor, export.permission)
    clean = dict(params or {})
    waiting = (
        Job.objects.filter(
            owner=actor,
            kind=export.job_kind,
            status__in=(JobStatus.PENDING, JobStatus.RUNNING),
            params=clean,
            created_at__gte=timezone.now() - SAME_JOB_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if waiting is not None:  # a double click, or the same export asked again while it runs
        return waiting
    job = Job.objects.create(
        kind=export.job_kind,
        owner=actor,
        division_code=actor.scope_code,
        params=clean,
        message=_("导出：%(title)s") % {"title": export.title},
    )
    audit_record(actor=actor, action=AUDIT_ACTION, obj=job, after={"kind": export.name, "params": clean})
    transaction.on_commit(lambda: export_job_task.delay(job.pk))
    return job


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, Http404 | PermissionDenied):
        return _("导出失败：您已无权导出这些数据（权限或管辖范围已变更）。")
    if isinstance(exc, ValidationError):
        return _("导出失败：%(reason)s") % {"reason": "；".join(str(m) for m in exc.messages)}
    return _("导出失败：系统错误（%(kind)s），请稍后重试或联系管理员。") % {"kind": exc.__class__.__name__}


def _finish(job_id: int, **fields: Any) -> None:
    with transaction.atomic():
        Job.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)


def export_job_run(job_id: int) -> None:
    """Build a queued export's file as its owner, now: permission and scope re-checked, progress on the row."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status != JobStatus.PENDING:
        return
    export = kind_of_job(job)
    owner = job.owner
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now(), done=0)
    if export is None:
        _finish(job.pk, status=JobStatus.FAILED, message=_("导出失败：未知的导出类型。"))
        return
    if owner is None or not owner.is_active or not can(owner, export.permission):
        _finish(job.pk, status=JobStatus.FAILED, message=_failure_message(PermissionDenied()))
        return
    made: ExportFile | None = None
    try:
        with replica_reads():  # an export only reads: the replica serves it when there is one (core.db_routing)
            made = export.build(owner, job.params or {}, JobProgress(job.pk))
        job.refresh_from_db()
        if made.stream is not None:
            job.result_file.save(made.filename, File(made.stream), save=False)
    except Exception as exc:  # the owner must see the job end, whatever broke
        if not isinstance(exc, Http404 | PermissionDenied | ValidationError):
            logger.exception("export job %s (%s) failed", job.pk, job.kind)
        _finish(job.pk, status=JobStatus.FAILED, message=_failure_message(exc))
        return
    finally:
        if made is not None and made.stream is not None:
            made.stream.close()
    _finish(
        job.pk,
        status=JobStatus.SUCCEEDED,
        result_file=job.result_file.name,
        done=made.rows,
        total=made.rows,
        result={
            "rows": made.rows,
            "filename": made.filename,
            "content_type": made.content_type,
            **({"data": dict(made.data)} if made.data is not None else {}),
        },
        message=(_("已完成：%(title)s（%(n)d 条数据）") if made.data is not None else _("已导出 %(n)d 行：%(title)s"))
        % {"n": made.rows, "title": export.title},
    )


@shared_task(name="core.export_job")
def export_job_task(job_id: int) -> None:
    export_job_run(job_id)


def export_retention_days() -> int:
    return max(int(getattr(settings, "EXPORT_RETENTION_DAYS", 7)), 1)


def export_files_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports finished more than ``EXPORT_RETENTION_DAYS`` ago and mark their jobs expired
    (their page then says so, with no download); how many were expired. A file already gone is no error."""
    days = export_retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    message = _("文件已超过保留期（%(days)d 天）并已删除，如需要请重新导出。") % {"days": days}
    expired = 0
    due = (
        Job.objects.filter(kind__startswith=JOB_KIND_PREFIX, status=JobStatus.SUCCEEDED, finished_at__lt=cutoff)
        .exclude(result_file="")
        .order_by("pk")
    )
    for job in due.iterator(chunk_size=500):
        name = job.result_file.name
        try:
            job.result_file.storage.delete(name)
        except OSError:  # the storage could not delete it now: the next run tries again
            logger.warning("export job %s: could not delete %s", job.pk, name)
            continue
        with transaction.atomic():
            expired += Job.objects.filter(pk=job.pk, status=JobStatus.SUCCEEDED).update(
                status=JobStatus.EXPIRED, result_file="", message=message
            )
    return expired


@shared_task(name="core.export_files_expire")
def export_files_expire_task() -> int:
    return export_files_expire()


def discover_exports() -> None:
    """Import every app's ``exports`` module, so each registers its kinds (called once from core's ready())."""
    autodiscover_modules("exports")


# --- selectors -------------------------------------------------------------------------------------------------


def export_jobs_for_user(user: User) -> Any:
    """The export jobs this person started, newest first (no one else's: a platform admin's included)."""
    # Always the primary: the job was written a moment ago (its page follows the button's redirect) and the row
    # changes every second while the job runs; a replica behind by a second would answer 404 or an old bar.
    return (
        Job.objects.using(DEFAULT_DB_ALIAS)
        .filter(owner=user, kind__startswith=JOB_KIND_PREFIX)
        .order_by("-created_at", "-pk")
    )


def export_job_for_user(*, user: User, pk: int) -> Job:
    """One of the person's own export jobs; anyone else's (or none) is a 404."""
    job = export_jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def latest_result_for_user(*, user: User, kind: str, params: Mapping[str, Any] | None = None) -> Job | None:
    """The person's newest finished job of ``kind`` computed in their current scope (figures a page shows);
    with ``params``, only one started with exactly those (the same filters of a list)."""
    export = _KINDS.get(kind)
    if export is None:
        return None
    jobs = export_jobs_for_user(user).filter(
        kind=export.job_kind, status=JobStatus.SUCCEEDED, division_code=user.scope_code
    )
    if params is not None:
        jobs = jobs.filter(params=dict(params))
    return jobs.order_by("-finished_at", "-pk").first()


def export_page(job: Job) -> str:
    export = kind_of_job(job)
    return export.page if export is not None else ""


def export_title(job: Job) -> str:
    export = kind_of_job(job)
    return str(export.title) if export is not None else job.kind
