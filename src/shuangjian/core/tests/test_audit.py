"""The audit chains: append-only, partitioned, sealed, verified by `manage.py audit_verify`, safe under concurrent
writers, and writers on different chains do not wait on one another."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangjian.core.audit import (
    GENESIS_HASH,
    PendingEvent,
    _v1_hash,
    audit_chain_breaks,
    audit_chain_for,
    audit_chain_lock,
    audit_pending,
    audit_record,
    audit_seal,
    event_hash,
)
from shuangjian.core.models import AuditChainHead, AuditEvent, AuditSeal

from .factories import RegulatorFactory

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger and row locks")


@contextmanager
def triggers_off() -> Iterator[None]:
    """Let a test play the attacker with direct database access: the append-only trigger is lifted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
                cursor.execute("ALTER TABLE core_auditseal ENABLE TRIGGER USER")
    else:
        yield


CHAIN = "d:410202"  # the chain record_events writes to (county 410202)


def record_events(n: int, division_code: str = "410202") -> list[AuditEvent]:
    actor = RegulatorFactory.create()
    return [
        audit_record(
            actor=actor,
            action="test.write",
            object_type="test.thing",
            object_id=i,
            division_code=division_code,
            before={"n": i},
            after={"n": i + 1, "名称": "龙亭区某培训学校"},
            ip="203.0.113.7",
        )
        for i in range(1, n + 1)
    ]


def verify() -> tuple[int, str, str]:
    """Run audit_verify as the shell does; answer (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return 1, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_intact_chain_verifies_and_counts_events():
    events = record_events(5)
    assert [e.chain_seq for e in events] == [1, 2, 3, 4, 5]
    assert {e.chain for e in events} == {CHAIN}
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    code, out, err = verify()
    assert code == 0, err
    assert "已校验 5 条记录" in out


@pytest.mark.django_db
def test_empty_log_verifies():
    code, out, _ = verify()
    assert code == 0
    assert "已校验 0 条记录" in out


@pytest.mark.django_db
def test_tampered_middle_row_fails_naming_its_seq():
    record_events(5)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET after = %s WHERE chain_seq = 3",
            ['{"n": 999, "名称": "龙亭区某培训学校"}'],
        )
    code, _, err = verify()
    assert code == 1
    assert "seq 3:" in err
    assert "篡改" in err
    # Only the tampered row is named: the rows after it still link to its recorded hash.
    assert "seq 2:" not in err and "seq 4:" not in err


@pytest.mark.django_db
def test_rewritten_row_with_recomputed_hash_breaks_the_next_link():
    record_events(4)
    event = AuditEvent.objects.get(chain_seq=2)
    event.after = {"n": 0}
    forged = event_hash(event)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET after = %s, hash = %s WHERE chain_seq = 2", ['{"n": 0}', forged])
    breaks = list(audit_chain_breaks())
    assert [b.seq for b in breaks] == [3]


@pytest.mark.django_db
def test_deleted_last_row_is_detected():
    record_events(4)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain_seq = 4")
    code, _, err = verify()
    assert code == 1
    assert "seq 4:" in err
    assert "末尾记录被删除" in err


@pytest.mark.django_db
def test_deleted_middle_row_is_detected():
    record_events(4)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain_seq = 2")
    code, _, err = verify()
    assert code == 1
    assert "seq 3:" in err
    assert "序号不连续" in err


@pytest.mark.django_db
def test_row_slipped_in_outside_the_service_is_detected():
    events = record_events(2)
    last = events[-1]
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (created_at, actor_username, role, action, object_type, object_id,"
            " division_code, chain, chain_seq, version, prev_hash, hash)"
            " VALUES (%s, '', 'system', 'x', '', '', '', %s, 3, 2, %s, %s)",
            [last.created_at, CHAIN, last.hash, "f" * 64],
        )
    breaks = list(audit_chain_breaks())
    assert breaks and (breaks[-1].chain, breaks[-1].seq) == (CHAIN, 3)


@pytest.mark.django_db
def test_audit_verify_exits_non_zero_from_the_command_line(capsys):
    record_events(3)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'test.forged' WHERE chain_seq = 1")
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "audit_verify"])
    assert exited.value.code == 1
    assert "seq 1:" in capsys.readouterr().err


@pytest.mark.django_db
def test_event_in_rolled_back_transaction_leaves_nothing():
    record_events(2)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        audit_record(actor=None, action="test.rolled_back", division_code="410202")
        raise Boom
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    assert AuditChainHead.objects.get(chain=CHAIN).last_seq == 2
    nxt = audit_record(actor=None, action="test.after", division_code="410202")
    assert (nxt.chain, nxt.chain_seq) == (CHAIN, 3)
    assert verify()[0] == 0


@pytest.mark.django_db
def test_object_fills_type_id_and_division():
    actor = RegulatorFactory.create()
    event = audit_record(actor=actor, action="user.touch", obj=actor)
    assert (event.object_type, event.object_id) == ("core.user", str(actor.pk))
    assert event.role == "regulator" and event.actor_username == actor.username
    system = audit_record(actor=None, action="job.run")
    assert system.role == "system" and system.actor_id is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ip, stored",
    [
        ("198.51.100.4", "198.51.100.4"),
        ("2001:0DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("not-an-ip", None),
    ],
)
def test_ip_is_stored_in_canonical_form_and_still_verifies(ip, stored):
    event = audit_record(actor=None, action="test.ip", ip=ip)
    event.refresh_from_db()
    assert event.ip == stored
    assert verify()[0] == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=json_values, after=json_values)
def test_any_json_payload_hashes_the_same_after_a_database_round_trip(before, after):
    event = audit_record(actor=None, action="test.json", before=before, after=after)
    stored = AuditEvent.objects.get(seq=event.seq)
    assert (stored.chain_seq, stored.prev_hash, stored.hash) == (event.chain_seq, event.prev_hash, event.hash)
    assert event_hash(stored) == stored.hash


@postgres_only
@pytest.mark.django_db
def test_postgres_trigger_refuses_update_and_delete():
    record_events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(chain_seq=1).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(chain_seq=2).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 2
    assert verify()[0] == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain():
    threads_n, per_thread = 8, 10
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", object_id=f"{n}-{i}", division_code="410202")
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", flat=True))
    assert seqs == list(range(1, threads_n * per_thread + 1))
    assert AuditEvent.objects.values("object_id").distinct().count() == threads_n * per_thread
    code, out, err = verify()
    assert code == 0, err
    assert f"已校验 {threads_n * per_thread} 条记录" in out


@pytest.mark.django_db
def test_view_that_writes_records_the_callers_ip(client):
    user = RegulatorFactory.create()
    client.force_login(user)
    response = client.post("/core/profile/", {"name": "对接", "days": 30}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302  # the token was issued; the page redirects to show it
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.ip == "203.0.113.9"
    assert event.actor_username == user.username


@pytest.mark.django_db
def test_forwarded_for_is_ignored_without_a_trusted_proxy(client):
    client.force_login(RegulatorFactory.create())
    client.post("/core/profile/", {"name": "对接", "days": 30}, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert AuditEvent.objects.get(action="api_token.issue").ip == "10.0.0.5"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_it_appended_is_recorded(client, settings):
    settings.SHUANGJIAN_TRUSTED_PROXIES = 1
    client.force_login(RegulatorFactory.create())
    # The client forged the first entry; the proxy appended the real address last.
    client.post(
        "/core/profile/",
        {"name": "对接", "days": 30},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.20",
    )
    assert AuditEvent.objects.get(action="api_token.issue").ip == "198.51.100.20"


@pytest.mark.slow
@pytest.mark.django_db
def test_audit_verify_passes_on_the_demo_city_and_fails_once_a_row_is_tampered_with():
    call_command("demo_city", "--seed", "2026", stdout=StringIO())
    total = AuditEvent.objects.count()
    assert total > 0
    code, out, err = verify()
    assert code == 0, err
    assert f"已校验 {total} 条记录" in out
    assert AuditChainHead.objects.count() > 1  # the city's writes spread over institutions and counties
    target = AuditEvent.objects.order_by("seq")[total // 2]
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET division_code = '999999' WHERE seq = %s", [target.seq])
    code, _, err = verify()
    assert code == 1
    assert f"{target.chain} seq {target.chain_seq}:" in err


@pytest.mark.django_db
def test_quiet_prints_nothing_on_success_but_still_reports_breaks():
    record_events(3)
    out = StringIO()
    call_command("audit_verify", "--quiet", "--chunk-size", "1", stdout=out)
    assert out.getvalue() == ""
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET ip = '192.0.2.1' WHERE chain_seq = 2")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", "--quiet", stdout=out, stderr=err)
    assert "seq 2:" in err.getvalue()


# --- Partitioned chains ----------------------------------------------------------------------------------------


def test_chain_is_derived_from_the_event():
    assert audit_chain_for(division_code="410202") == "d:410202"
    assert audit_chain_for(division_code="410202001") == "d:410202"  # a street's code: its county's chain
    assert audit_chain_for(division_code="") == "global"
    assert audit_chain_for() == "global"


@pytest.mark.django_db
def test_each_chain_numbers_its_own_events_and_all_verify():
    a = record_events(3, "410202")
    b = record_events(2, "410212")
    g = audit_record(actor=None, action="job.run")
    assert [e.chain_seq for e in a] == [1, 2, 3] and [e.chain_seq for e in b] == [1, 2]
    assert (g.chain, g.chain_seq) == ("global", 1)
    assert b[0].prev_hash == GENESIS_HASH  # a new chain starts from the genesis hash
    assert AuditChainHead.objects.get(chain="d:410212").last_hash == b[-1].hash
    code, out, err = verify()
    assert code == 0, err
    assert "已校验 6 条记录" in out and "3 条审计链" in out


@pytest.mark.django_db
def test_tampering_one_chain_names_that_chain_only():
    record_events(3, "410202")
    record_events(3, "410212")
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x' WHERE chain = 'd:410212' AND chain_seq = 2")
    code, _, err = verify()
    assert code == 1
    assert "d:410212 seq 2:" in err and "d:410202" not in err


@pytest.mark.django_db
def test_row_in_a_chain_without_a_head_is_detected():
    record_events(1)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (created_at, actor_username, role, action, object_type, object_id,"
            " division_code, chain, chain_seq, version, prev_hash, hash)"
            " VALUES (%s, '', 'system', 'x', '', '', '', 'i:999', 1, 2, %s, %s)",
            [AuditEvent.objects.get().created_at, GENESIS_HASH, "e" * 64],
        )
    breaks = list(audit_chain_breaks())
    assert [(b.chain, b.seq) for b in breaks] == [("i:999", 1)]


@pytest.mark.django_db
def test_events_written_before_the_partition_still_verify_and_the_global_chain_continues():
    """Rows of the single chain (version 1: the whole payload hashed with its seq) stay verifiable."""
    prev = GENESIS_HASH
    old = []
    for n in (1, 2):
        event = AuditEvent(
            created_at=timezone.now(),
            actor_username="",
            role="system",
            action="old.write",
            object_id=str(n),
            division_code="410202",
            after={"n": n},
            chain="global",
            chain_seq=n,
            version=1,
            prev_hash=prev,
        )
        event.hash = _v1_hash(event)
        event.save(force_insert=True)
        prev = event.hash
        old.append(event)
    AuditChainHead.objects.create(chain="global", last_seq=2, last_hash=prev, prev_hash=old[0].hash)
    new = audit_record(actor=None, action="new.write")
    assert (new.chain, new.chain_seq, new.prev_hash, new.version) == ("global", 3, prev, 2)
    assert verify()[0] == 0
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET after = '{\"n\": 9}' WHERE chain_seq = 1 AND chain = 'global'")
    code, _, err = verify()
    assert code == 1 and "global seq 1:" in err


# --- Sealed roots ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_seal_records_the_heads_that_moved_and_chains_to_the_previous_one():
    a = record_events(2, "410202")
    b = record_events(1, "410212")
    first = audit_seal()
    assert first.seq == 1 and first.prev_hash == GENESIS_HASH
    assert first.heads == {"d:410202": [2, a[-1].hash], "d:410212": [1, b[-1].hash]}
    assert (first.chains, first.events) == (2, 3)
    more = record_events(1, "410212")
    second = audit_seal()
    assert second.prev_hash == first.hash
    assert second.heads == {"d:410212": [2, more[-1].hash]}  # only what moved
    assert (second.chains, second.events) == (2, 4)
    code, out, err = verify()
    assert code == 0, err
    assert "2 次封存" in out


def _drop_chain_tail(chain: str, *, keep: int) -> None:
    """The attacker's careful deletion: the events after ``keep`` and the head rewound to match."""
    kept = AuditEvent.objects.get(chain=chain, chain_seq=keep) if keep else None
    before = AuditEvent.objects.filter(chain=chain, chain_seq=keep - 1).first()
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain = %s AND chain_seq > %s", [chain, keep])
        if kept is None:
            cursor.execute("DELETE FROM core_auditchainhead WHERE chain = %s", [chain])
        else:
            cursor.execute(
                "UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s, prev_hash = %s WHERE chain = %s",
                [keep, kept.hash, before.hash if before else GENESIS_HASH, chain],
            )


@pytest.mark.django_db
def test_last_row_deleted_with_its_head_rewound_is_caught_only_by_a_seal():
    record_events(3, "410202")
    _drop_chain_tail(CHAIN, keep=2)
    assert verify()[0] == 0  # without a seal, a consistent rewind of the tail cannot be told from history


@pytest.mark.django_db
def test_last_row_deleted_after_a_seal_is_detected_even_with_its_head_rewound():
    record_events(3, "410202")
    record_events(2, "410212")
    audit_seal()
    _drop_chain_tail(CHAIN, keep=2)
    code, _, err = verify()
    assert code == 1
    assert f"{CHAIN} seq 3:" in err and "封存后被删除" in err
    assert "d:410212" not in err


@pytest.mark.django_db
def test_whole_chain_deleted_after_a_seal_is_detected():
    record_events(3, "410202")
    record_events(2, "410212")
    audit_seal()
    _drop_chain_tail(CHAIN, keep=0)
    assert not AuditEvent.objects.filter(chain=CHAIN).exists()
    code, _, err = verify()
    assert code == 1
    assert "整条链在封存后被删除" in err and f"{CHAIN} seq 3:" in err


@pytest.mark.django_db
def test_middle_row_deleted_after_a_seal_is_detected():
    record_events(4, "410202")
    audit_seal()
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain_seq = 2")
    code, _, err = verify()
    assert code == 1 and f"{CHAIN} seq 3:" in err and "序号不连续" in err


@pytest.mark.django_db
def test_a_changed_or_deleted_seal_is_detected():
    record_events(1, "410202")
    audit_seal()
    record_events(1, "410212")
    audit_seal()
    record_events(1, "410213")
    audit_seal()
    assert verify()[0] == 0
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditseal SET events = 99 WHERE seq = 2")
    code, _, err = verify()
    assert code == 1 and "seal seq 2:" in err and "封存记录被篡改" in err
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditseal WHERE seq = 2")
    code, _, err = verify()
    assert code == 1 and "seal seq 3:" in err and "封存记录被删除" in err


@postgres_only
@pytest.mark.django_db
def test_postgres_trigger_refuses_changing_a_seal():
    record_events(1)
    audit_seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditSeal.objects.update(events=0)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditSeal.objects.all().delete()


@postgres_only
@pytest.mark.django_db
def test_an_audited_write_is_one_statement_on_postgresql(django_assert_num_queries):
    record_events(1)  # the chain exists
    with transaction.atomic(), django_assert_num_queries(1):
        event = audit_record(actor=None, action="test.one_trip", division_code="410202", after={"n": 1})
    with transaction.atomic(), django_assert_num_queries(1):
        audit_record(actor=None, action="test.new_chain", division_code="410299")  # a chain's first event too
    assert event.chain_seq == 2
    assert verify()[0] == 0


@pytest.mark.django_db
def test_seal_task_writes_a_seal():
    from shuangjian.core.tasks import audit_seal_task

    record_events(2)
    result = audit_seal_task()
    assert result["seq"] == 1 and result["chains"] == 1
    assert AuditSeal.objects.count() == 1


# --- Concurrency: different chains do not wait ------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_writers_on_different_chains_do_not_wait_while_writers_on_one_chain_queue():
    record_events(1, "410202")  # the chain exists: the holder below updates (and locks) its head row
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=None, action="test.hold", division_code="410202")
                holding.set()
                release.wait(20)
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(20)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            other = audit_record(actor=None, action="test.other_county", division_code="410212")
            system = audit_record(actor=None, action="test.global")
        assert (other.chain, system.chain) == ("d:410212", "global")
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            audit_record(actor=None, action="test.same_county", division_code="410202")
    finally:
        release.set()
        thread.join()
    assert not errors
    assert AuditChainHead.objects.get(chain=CHAIN).last_seq == 2
    assert verify()[0] == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_audit_chain_lock_holds_the_chain_from_the_start_of_a_transaction():
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                assert audit_chain_lock(division_code="410202") == CHAIN  # a chain with no event yet
                locked.set()
                release.wait(20)
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert locked.wait(20)
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            audit_record(actor=None, action="test.same_county", division_code="410202")
    finally:
        release.set()
        thread.join()
    assert not errors
    event = audit_record(actor=None, action="test.after", division_code="410202")
    assert event.chain_seq == 1
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_the_single_chains_events_verifiable():
    """Events and the head row written before migration 0005 become the start of the ``global`` chain."""
    before_partition = [("core", "0004_grid_assignment")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_partition)
    old_apps = executor.loader.project_state(before_partition).apps
    old_event, old_head = old_apps.get_model("core", "AuditEvent"), old_apps.get_model("core", "AuditChainHead")
    prev = GENESIS_HASH
    try:
        for n in (1, 2, 3):
            fields = {
                "created_at": timezone.now(),
                "actor_username": "",
                "role": "system",
                "action": "old.write",
                "object_type": "",
                "object_id": str(n),
                "division_code": "410202",
                "before": None,
                "after": {"n": n, "名称": "培训学校"},
                "ip": "198.51.100.7",
                "prev_hash": prev,
            }
            digest = _v1_hash(AuditEvent(chain_seq=n, version=1, **fields))
            old_event.objects.create(seq=n, hash=digest, **fields)
            prev = digest
        old_head.objects.create(id=1, last_seq=3, last_hash=prev)
        if connection.vendor == "postgresql":  # rows given their seq, as the sequence had given it
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('core_auditevent', 'seq'), 3)")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert list(AuditEvent.objects.order_by("seq").values_list("chain", "chain_seq", "version")) == [
        ("global", 1, 1),
        ("global", 2, 1),
        ("global", 3, 1),
    ]
    head = AuditChainHead.objects.get(chain="global")
    assert (head.last_seq, head.last_hash) == (3, prev)
    code, out, err = verify()
    assert code == 0, err
    assert "已校验 3 条记录" in out
    new = audit_record(actor=None, action="new.write")
    assert (new.chain, new.chain_seq, new.prev_hash) == ("global", 4, prev)
    assert verify()[0] == 0
    # The migrated head still pins the old tail: deleting the last old row is caught.
    audit_seal()
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE chain = 'global' AND chain_seq = 4")
    code, _, err = verify()
    assert code == 1 and "global seq 4:" in err


def _pending_for(obj: Any, after: object) -> tuple[PendingEvent, AuditEvent]:
    """An event prepared by ``audit_pending`` for ``obj`` and the one ``audit_record`` would write for it."""

    actor = RegulatorFactory.create()
    pending = audit_pending(actor=actor, action="test.pending", obj=obj, after=after, ip="2001:db8::1")
    params = pending.params
    event = AuditEvent(
        created_at=params["audit_created_at"],
        actor=actor,
        actor_username=actor.username,
        role=actor.role,
        action="test.pending",
        object_type=params["audit_object_type"],
        division_code=params["audit_division_code"],
        after=None if params["audit_after"] is None else json.loads(params["audit_after"]),
        ip=params["audit_ip"],
        chain=pending.chain,
        version=2,
    )
    return pending, event


@pytest.mark.django_db
@pytest.mark.parametrize("after", [{"lines": [["k", 1]], "text": '"object_id":"x" \x00 引号"\\'}, None])
def test_a_pending_event_digests_like_audit_record_once_its_id_is_known(after):
    """The statement that inserts an object puts its id between the two halves of the canonical text; the digest
    must be the one ``content_digest`` computes for the stored event, whatever the payload holds."""
    import hashlib

    from shuangjian.core.audit import content_digest

    thing = AuditSeal(seq=1)  # any model instance not saved yet
    pending, event = _pending_for(thing, after)
    for object_id in ("7", "123456789012"):
        event.object_id = object_id
        text = pending.params["audit_digest_head"] + object_id + pending.params["audit_digest_tail"]
        assert hashlib.sha256(text.encode()).hexdigest() == content_digest(event)


@postgres_only
@pytest.mark.django_db
def test_an_event_appended_by_the_writing_statement_verifies_and_continues_the_chain():
    """One statement inserts a row, locks and advances the chain's head and appends the event: audit_verify holds,
    and the next audit_record links to it."""
    from shuangjian.core.audit import AUDIT_HEAD_CTE, audit_append_ctes

    record_events(1)  # chain d:410202 has a head
    actor = RegulatorFactory.create()
    thing = AuditChainHead(chain="d:410202")  # stands in for the inserted object: its division gives the chain
    thing.division_code = "410202"  # type: ignore[attr-defined]
    pending = audit_pending(actor=actor, action="test.in_statement", obj=thing, after={"名称": "某培训学校", "n": 1})
    assert pending.chain == CHAIN
    sql = (
        f"WITH {AUDIT_HEAD_CTE}, obj AS (SELECT 424242 AS id FROM audit_head), "
        f"{audit_append_ctes(source='obj', object_id='obj.id::text')} SELECT count(*) FROM obj"
    )
    import psycopg

    connection.ensure_connection()
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cur:
        cur.execute(sql, pending.params)
    stored = AuditEvent.objects.get(action="test.in_statement")
    assert (stored.object_id, stored.chain, stored.chain_seq) == ("424242", CHAIN, 2)
    assert stored.after == {"名称": "某培训学校", "n": 1}
    audit_record(actor=None, action="test.after", division_code="410202")
    assert verify()[0] == 0
    assert AuditEvent.objects.get(action="test.after").chain_seq == 3
