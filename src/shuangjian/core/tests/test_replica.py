"""Reads on a real PostgreSQL streaming replica (core/db_routing.py).

The PostgreSQL run starts a hot standby of the local primary itself (``pg_basebackup -R`` into a temporary
directory, another port), pauses its replay, changes a row on the primary and shows that a public lookup is
answered from the replica (the old value, on a connection where ``pg_is_in_recovery()`` is true) while the same
lookup right after a POST is answered from the primary (the new value). Skipped on SQLite; the suite's second,
PostgreSQL run (REQUIRE_POSTGRES in CI) makes it mandatory. The routing rules are checked in test_db_routing.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from shuangjian.core.db_routing import PRIMARY_COOKIE, REPLICA_ALIAS
from shuangjian.registry.models import Institution
from shuangjian.registry.tests.helpers import divisions, make_institution


def _primary() -> tuple[str, int, str]:
    """Host, port and user of the server the suite runs on (DATABASE_URL; the local one in CI)."""
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    return (
        str(settings_dict.get("HOST") or "127.0.0.1"),
        int(settings_dict.get("PORT") or 5432),
        str(settings_dict.get("USER") or "postgres"),
    )


def _connect(port: int | None = None, dbname: str = "postgres") -> psycopg.Connection[Any]:
    host, primary_port, user = _primary()
    if port is not None:
        host = "127.0.0.1"
    return psycopg.connect(host=host, port=port or primary_port, user=user, dbname=dbname, autocommit=True)


HBA_MARK = "# shuangjian replica test (removed again by the test)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _runner() -> Callable[..., subprocess.CompletedProcess[str]]:
    """pg_ctl refuses to run as root: run the PostgreSQL binaries as the postgres OS user then."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, timeout=timeout)

    return run


@contextlib.contextmanager
def _replication_allowed(primary: psycopg.Connection[Any]) -> Iterator[None]:
    """Let local replication connections in (a pg_hba.conf line) for as long as the block runs; restore after.

    A lock file serialises concurrent runs so one run never removes the line another is relying on.
    """
    with open(Path(tempfile.gettempdir()) / "shuangjian-replica-hba.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rules = primary.execute(
            "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL"
        ).fetchone()
        if rules and rules[0]:
            yield
            return
        hba_file = Path(str(primary.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
        original = hba_file.read_text()
        try:
            hba_file.write_text(f"{original.rstrip()}\n{HBA_MARK}\nhost replication all 127.0.0.1/32 trust\n")
            primary.execute("SELECT pg_reload_conf()")
            time.sleep(0.3)  # the postmaster rereads the file asynchronously
            yield
        finally:
            hba_file.write_text(original)
            primary.execute("SELECT pg_reload_conf()")


def _wait(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Standby:
    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory

    def connect(self) -> psycopg.Connection[Any]:
        return _connect(self.port)

    def caught_up(self, primary: psycopg.Connection[Any]) -> None:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        with self.connect() as standby:
            _wait(
                lambda: bool(
                    standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]  # type: ignore[index]
                ),
                "the replica to replay the primary's writes",
            )


@pytest.fixture(scope="module")
def standby(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Standby]:
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL")
    run = _runner()
    with _connect() as primary:
        version = int(primary.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
        bin_dir = Path(f"/usr/lib/postgresql/{version}/bin")
        if not bin_dir.exists():
            bin_dir = Path(run("pg_config", "--bindir").stdout.strip())
        # A hot standby needs at least the primary's values of these.
        needed = {
            name: primary.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in (
                "max_connections",
                "max_worker_processes",
                "max_wal_senders",
                "max_prepared_transactions",
                "max_locks_per_transaction",
            )
        }
        port = _free_port()
        directory = Path(tempfile.mkdtemp(prefix="shuangjian-replica-"))
        owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if owner:
            os.chown(directory, owner.pw_uid, owner.pw_gid)
        data = directory / "data"
        name = f"sj_replica_{port}"
        started = False
        try:
            with _replication_allowed(primary):
                host, primary_port, user = _primary()
                run(
                    f"{bin_dir}/pg_basebackup",
                    *("-h", host, "-p", str(primary_port), "-U", user, "-D", str(data)),
                    *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
                )
                settings_lines = [
                    f"port = {port}",
                    "listen_addresses = '127.0.0.1'",
                    f"unix_socket_directories = '{directory}'",
                    f"cluster_name = '{name}'",
                    "hot_standby = on",
                    "shared_buffers = '16MB'",
                    "fsync = off",
                    *(f"{key} = {value}" for key, value in needed.items()),
                ]
                files = {
                    "postgresql.conf": "\n".join(settings_lines) + "\n",
                    "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
                    "pg_ident.conf": "",
                }
                for filename, text in files.items():
                    path = data / filename
                    path.write_text(text)
                    if owner:
                        os.chown(path, owner.pw_uid, owner.pw_gid)
                run(f"{bin_dir}/pg_ctl", "-D", str(data), "-l", str(directory / "log"), "-w", "-t", "30", "start")
                started = True
                _wait(
                    lambda: bool(
                        primary.execute(
                            "SELECT count(*) FROM pg_stat_replication"
                            " WHERE application_name = %s AND state = 'streaming'",
                            [name],
                        ).fetchone()[0]  # type: ignore[index]
                    ),
                    "the replica to stream from the primary",
                )
            replica = Standby(port, directory)
            with replica.connect() as check:
                assert check.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True  # type: ignore[index]
            settings_dict = dict(connections[DEFAULT_DB_ALIAS].settings_dict)  # NAME is the test database here
            settings_dict.update(
                HOST="127.0.0.1", PORT=str(port), CONN_MAX_AGE=0, TEST={**settings_dict["TEST"], "MIRROR": "default"}
            )
            connections.settings[REPLICA_ALIAS] = settings_dict
            yield replica
        finally:
            if REPLICA_ALIAS in connections.settings:
                connections[REPLICA_ALIAS].close()
                del connections[REPLICA_ALIAS]
                del connections.settings[REPLICA_ALIAS]
            if started:
                run(f"{bin_dir}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
            shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA_ALIAS])
def test_public_lookup_reads_replica_and_a_page_after_post_reads_primary(
    standby: Standby, client: Any, settings: Any
) -> None:
    settings.SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS = 0
    divisions()
    institution = make_institution(name="开封市龙亭区复制测试学校")
    url = f"/api/v1/public/institutions/{institution.uscc}"
    served_by: list[str] = []

    def recorder(alias: str) -> Callable[..., Any]:
        def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            if "registry_institution" in sql:
                served_by.append(alias)
            return execute(sql, params, many, context)

        return record

    with _connect(dbname=connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]) as primary:
        standby.caught_up(primary)
        with standby.connect() as paused:
            paused.execute("SELECT pg_wal_replay_pause()")
            try:
                # A change the replica has not replayed: whoever answers with the old name read the replica.
                Institution.objects.filter(pk=institution.pk).update(name="开封市龙亭区复制测试学校（更名）")
                with (
                    connections[DEFAULT_DB_ALIAS].execute_wrapper(recorder(DEFAULT_DB_ALIAS)),
                    connections[REPLICA_ALIAS].execute_wrapper(recorder(REPLICA_ALIAS)),
                ):
                    lookup = client.get(url)
                    assert lookup.status_code == 200
                    assert lookup.json()["name"] == "开封市龙亭区复制测试学校"
                    assert served_by and set(served_by) == {REPLICA_ALIAS}
                    with connections[REPLICA_ALIAS].cursor() as cursor:
                        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
                        assert cursor.fetchone() == (True, standby.port)

                    # A POST (here: choosing the language) pins this browser to the primary for a while.
                    served_by.clear()
                    posted = client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
                    assert posted.status_code == 302 and PRIMARY_COOKIE in posted.cookies
                    after = client.get(posted["Location"])
                    assert after.json()["name"] == "开封市龙亭区复制测试学校（更名）"
                    assert served_by and set(served_by) == {DEFAULT_DB_ALIAS}
                    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                        cursor.execute("SELECT pg_is_in_recovery()")
                        assert cursor.fetchone() == (False,)
            finally:
                paused.execute("SELECT pg_wal_replay_resume()")
