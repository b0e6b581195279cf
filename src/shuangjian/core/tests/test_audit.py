"""The audit chain: append-only, verified by `manage.py audit_verify`, safe under concurrent writers."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangjian.core.audit import audit_chain_breaks, audit_record, event_hash
from shuangjian.core.models import AuditChainHead, AuditEvent

from .factories import RegulatorFactory

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger and row locks")


@contextmanager
def triggers_off() -> Iterator[None]:
    """Let a test play the attacker with direct database access: the append-only trigger is lifted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    else:
        yield


def record_events(n: int) -> list[AuditEvent]:
    actor = RegulatorFactory.create()
    return [
        audit_record(
            actor=actor,
            action="test.write",
            object_type="test.thing",
            object_id=i,
            division_code="410202",
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
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
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
            "UPDATE core_auditevent SET after = %s WHERE seq = 3",
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
    event = AuditEvent.objects.get(seq=2)
    event.after = {"n": 0}
    forged = event_hash(event)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET after = %s, hash = %s WHERE seq = 2", ['{"n": 0}', forged])
    breaks = list(audit_chain_breaks())
    assert [b.seq for b in breaks] == [3]


@pytest.mark.django_db
def test_deleted_last_row_is_detected():
    record_events(4)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq = 4")
    code, _, err = verify()
    assert code == 1
    assert "seq 4:" in err
    assert "末尾记录被删除" in err


@pytest.mark.django_db
def test_deleted_middle_row_is_detected():
    record_events(4)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq = 2")
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
            "INSERT INTO core_auditevent (seq, created_at, actor_username, role, action, object_type, object_id,"
            " division_code, prev_hash, hash) VALUES (3, %s, '', 'system', 'x', '', '', '', %s, %s)",
            [last.created_at, last.hash, "f" * 64],
        )
    breaks = list(audit_chain_breaks())
    assert breaks and breaks[-1].seq == 3


@pytest.mark.django_db
def test_audit_verify_exits_non_zero_from_the_command_line(capsys):
    record_events(3)
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'test.forged' WHERE seq = 1")
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
    assert AuditChainHead.objects.get(id=1).last_seq == 2
    nxt = audit_record(actor=None, action="test.after")
    assert nxt.seq == 3
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
    assert event_hash(stored) == stored.hash


@postgres_only
@pytest.mark.django_db
def test_postgres_trigger_refuses_update_and_delete():
    record_events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
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
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
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
    target = AuditEvent.objects.order_by("seq")[total // 2]
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET division_code = '999999' WHERE seq = %s", [target.seq])
    code, _, err = verify()
    assert code == 1
    assert f"seq {target.seq}:" in err


@pytest.mark.django_db
def test_quiet_prints_nothing_on_success_but_still_reports_breaks():
    record_events(3)
    out = StringIO()
    call_command("audit_verify", "--quiet", "--chunk-size", "1", stdout=out)
    assert out.getvalue() == ""
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET ip = '192.0.2.1' WHERE seq = 2")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", "--quiet", stdout=out, stderr=err)
    assert "seq 2:" in err.getvalue()
