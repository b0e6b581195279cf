"""Exports as background jobs (core.exports): the button starts a job, the job page shows its progress, the file is
its owner's alone, the owner's permission and scope are checked again when the job runs, a failure ends the job
with a message (never a 500)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from shuangjian.core import exports
from shuangjian.core.models import AuditEvent, Job, JobStatus, Role, User
from shuangjian.core.tests.export_helpers import export_download, start_export
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory, UserFactory
from shuangjian.registry.tests.helpers import body, divisions, make_institution, read_xlsx

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def county() -> User:
    divisions()
    make_institution(name="龙亭区合规机构")
    make_institution(name="祥符区合规机构", division_code="410212")
    return RegulatorFactory.create(username="lt_exporter")


def names_in(response: Any) -> list[str]:
    return [row[1] for row in read_xlsx(body(response))[1:]]


def test_the_button_starts_a_job_and_its_page_offers_the_file(county: User) -> None:
    client = client_for(county)
    job = start_export(client, reverse("registry:whitelist_export"))
    assert job.owner == county and job.kind == "export.registry.whitelist"
    assert job.status == JobStatus.SUCCEEDED and (job.done, job.total) == (1, 1)
    page = client.get(reverse("core:export_job", args=[job.pk])).content.decode()
    assert "白名单" in page and "已完成" in page and 'data-testid="job-download"' in page
    assert "hx-get" not in page  # finished: the panel stops polling
    download = client.get(reverse("core:export_download", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert names_in(download) == ["龙亭区合规机构"]
    mine = client.get(reverse("core:export_list")).content.decode()
    assert reverse("core:export_download", args=[job.pk]) in mine


def test_a_running_job_page_polls_its_progress(county: User) -> None:
    job = exports.export_job_start(actor=county, kind="registry.whitelist", params={"q": "", "division": ""})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=1500, total=6000)
    client = client_for(county)
    page = client.get(reverse("core:export_job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("core:export_progress", args=[job.pk])}"' in page
    panel = client.get(reverse("core:export_progress", args=[job.pk])).content.decode()
    assert "1500 / 6000" in panel and "25%" in panel and "job-download" not in panel
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404  # nothing to give yet


def test_only_the_owner_sees_or_downloads_the_file(county: User) -> None:
    job = start_export(client_for(county), reverse("registry:whitelist_export"))
    colleague = RegulatorFactory.create(username="lt_colleague")  # same county, same rights: still not theirs
    admin = PlatformAdminFactory.create(username="platform")
    for other in (colleague, admin):
        client = client_for(other)
        for name in ("core:export_job", "core:export_progress", "core:export_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
        assert reverse("core:export_job", args=[job.pk]) not in client.get(reverse("core:export_list")).content.decode()
    assert Client().get(reverse("core:export_download", args=[job.pk])).status_code == 302  # to the sign-in page


def test_the_same_export_asked_twice_while_queued_is_one_job(county: User) -> None:
    first = exports.export_job_start(actor=county, kind="registry.whitelist", params={"q": "合规"})
    again = exports.export_job_start(actor=county, kind="registry.whitelist", params={"q": "合规"})
    other = exports.export_job_start(actor=county, kind="registry.whitelist", params={"q": "机构"})
    assert first.pk == again.pk != other.pk


def test_scope_is_checked_again_when_the_job_runs(county: User) -> None:
    job = exports.export_job_start(actor=county, kind="registry.whitelist", params={})  # queued, not yet run
    User.objects.filter(pk=county.pk).update(scope_code="410212")  # moved to the other county meanwhile
    exports.export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    rows = read_xlsx(job.result_file.open("rb").read())
    assert [r[1] for r in rows[1:]] == ["祥符区合规机构"]  # what the owner may see now, not when they clicked


def test_a_lost_permission_fails_the_job_with_a_message(county: User) -> None:
    job = exports.export_job_start(actor=county, kind="registry.whitelist", params={})
    User.objects.filter(pk=county.pk).update(role=Role.PARENT)
    exports.export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file
    assert "无权导出" in job.message
    page = client_for(User.objects.get(pk=county.pk)).get(reverse("core:export_job", args=[job.pk]))
    assert page.status_code == 200 and "无权导出" in page.content.decode()


def test_a_deactivated_owner_gets_no_file(county: User) -> None:
    job = exports.export_job_start(actor=county, kind="registry.whitelist", params={})
    User.objects.filter(pk=county.pk).update(is_active=False)
    exports.export_job_run(job.pk)
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_starting_needs_the_export_permission(county: User) -> None:
    parent = UserFactory.create(username="a_parent")
    assert client_for(parent).get(reverse("registry:whitelist_export")).status_code == 404
    assert not Job.objects.filter(owner=parent).exists()


@pytest.fixture
def test_kind() -> Iterator[list[tuple[int, int]]]:
    """A kind whose builder writes 2,500 rows and records, as it goes, what the job row says (read from the DB)."""
    seen: list[tuple[int, int]] = []

    def build(user: User, params: Mapping[str, Any], progress: exports.JobProgress) -> exports.ExportFile:
        if params.get("fail"):
            raise RuntimeError("disk full")

        def rows() -> Iterator[list[Any]]:
            for n in range(1, 2501):
                if n % 1000 == 1:
                    job = Job.objects.get(owner=user, kind="export.test.rows")
                    seen.append((job.done, job.total))
                yield [n, f"=第{n}行"]

        return exports.xlsx_file(
            progress, filename="rows.xlsx", headers=["序号", "内容"], rows=rows(), title="行", total=2500
        )

    exports.register_export(exports.ExportKind("test.rows", "测试导出", "core.use_account", build))
    yield seen
    exports._KINDS.pop("test.rows")


def test_progress_is_written_on_the_job_row_while_it_runs(county: User, test_kind: list[tuple[int, int]]) -> None:
    job = exports.export_job_start(actor=county, kind="test.rows", params={})
    exports.export_job_run(job.pk)
    job.refresh_from_db()
    assert test_kind == [(0, 2500), (1000, 2500), (2000, 2500)]  # every 1,000 rows (core.excel.PROGRESS_EVERY)
    assert job.status == JobStatus.SUCCEEDED and (job.done, job.total, job.percent) == (2500, 2500, 100)
    rows = read_xlsx(job.result_file.open("rb").read())
    assert len(rows) == 2501 and rows[1][1] == "=第1行"  # formula-like text kept as text


def test_a_failing_export_ends_as_failed_with_a_message(county: User, test_kind: list[tuple[int, int]]) -> None:
    client = client_for(county)
    job = exports.export_job_start(actor=county, kind="test.rows", params={"fail": True})
    exports.export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "导出失败" in job.message and "RuntimeError" in job.message
    page = client.get(reverse("core:export_job", args=[job.pk]))
    assert page.status_code == 200 and "导出失败" in page.content.decode()
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    exports.export_job_run(job.pk)  # a second delivery of the task does nothing
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_an_unknown_kind_is_refused() -> None:
    user = RegulatorFactory.create(username="someone")
    with pytest.raises(Http404):
        exports.export_job_start(actor=user, kind="no.such.export", params={})


def test_the_audit_log_export_is_itself_audited(county: User) -> None:
    client = client_for(county)
    response = export_download(client, reverse("core:audit_export"), {"action": "export."})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    event = AuditEvent.objects.get(action="export.start", actor=county)
    assert event.after["kind"] == "core.audit_log" and event.after["params"]["action"] == "export."
    assert [r[5] for r in rows[1:]] == ["export.start"]  # the export's own start is in the file
    assert rows[1][4] == "导出数据"


def test_every_kind_ends_with_a_file_or_a_message(county: User) -> None:
    """Each registered export runs to an end as a platform administrator (some need an object: those fail with
    a message, as they would if the object had gone)."""
    admin = PlatformAdminFactory.create(username="platform_all")
    params = {"grid.rates": {"first": "2026-10-01", "last": "2026-10-07"}}
    for name in exports.export_kinds():
        job = exports.export_job_start(actor=admin, kind=name, params=params.get(name, {}))
        exports.export_job_run(job.pk)
        job.refresh_from_db()
        assert job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), name
        assert job.finished_at is not None and job.message, name
        if name not in ("registry.publication", "oversight.evaluation"):
            assert job.status == JobStatus.SUCCEEDED, (name, job.message)


def test_the_coverage_export_lists_the_schools_in_reach(county: User) -> None:
    from shuangjian.staff.tests.factories import SchoolFactory

    SchoolFactory.create(name="龙亭一小", division_code="410202")
    SchoolFactory.create(name="祥符一小", division_code="410212")
    response = export_download(client_for(county), reverse("schools:coverage_export"))
    rows = read_xlsx(body(response))
    assert rows[0][:3] == ["县区", "学校", "学校标识码"]
    assert [r[1] for r in rows[1:]] == ["龙亭一小"]


def test_the_builder_reads_may_go_to_a_replica_even_after_progress_is_written(county: User) -> None:
    """Exports are read-only traffic (core.db_routing): the builder runs in a replica-reads block, and the progress
    writes, each in a block of its own, do not pin its later reads to the primary."""
    from shuangjian.core import db_routing

    seen: list[tuple[bool, bool]] = []

    def build(user: User, params: Mapping[str, Any], progress: exports.JobProgress) -> exports.ExportFile:
        progress(1)
        state = db_routing._reads.get()
        assert state is not None
        seen.append((state.replica, state.wrote))
        return exports.xlsx_file(progress, filename="x.xlsx", headers=["a"], rows=[[1]], title="x")

    exports.register_export(exports.ExportKind("test.replica", "测试", "core.use_account", build))
    try:
        job = exports.export_job_start(actor=county, kind="test.replica", params={})
        exports.export_job_run(job.pk)
    finally:
        exports._KINDS.pop("test.replica")
    assert seen == [(True, False)]
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_a_job_stuck_for_long_does_not_block_a_new_one(county: User) -> None:
    import datetime

    from django.utils import timezone

    stuck = exports.export_job_start(actor=county, kind="registry.whitelist", params={})
    Job.objects.filter(pk=stuck.pk).update(
        status=JobStatus.RUNNING, created_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert exports.export_job_start(actor=county, kind="registry.whitelist", params={}).pk != stuck.pk
