"""Races on PostgreSQL (skipped on SQLite): row locks, the idempotency constraint, and a crash mid-batch.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<you> pytest <this file>
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from .. import ledger
from ..banks.simulated import SimulatedBank
from ..ledger import LedgerError
from ..models import (
    BankInstruction,
    BankInstructionBatch,
    ConsumptionRequest,
    ConsumptionStatus,
    EntryKind,
    InstructionKind,
    InstructionStatus,
    JournalEntry,
    Posting,
)
from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

REPO = Path(__file__).resolve().parents[4]


def run_threads(n: int, target: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _world():
    bank = BankFactory.create(code="pgbank", notification_secret="pg-secret")
    inst = InstitutionFactory.create()
    CustodyAccountFactory.create(institution=inst, bank=bank)
    enrolment = EnrolmentFactory.create(class_group__course__institution=inst, price_per_lesson_fen=5_000)
    return bank, inst, enrolment


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_consuming_one_balance_only_the_affordable_succeed():
    _bank, _inst, enrolment = _world()
    ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=20 * 5_000)
    requests = [
        ConsumptionRequest.objects.create(
            enrolment=enrolment,
            institution=enrolment.institution,
            amount_fen=5_000,
            status=ConsumptionStatus.CONFIRMED,
            due_date=datetime.date(2026, 4, 1),
            division_code=enrolment.division_code,
        )
        for _ in range(50)
    ]

    def consume(i: int) -> str:
        try:
            ledger.post_release(actor=None, consumption=requests[i])
        except LedgerError as exc:
            return exc.code or ""
        return "ok"

    results = run_threads(50, consume)
    assert results.count("ok") == 20, results
    assert results.count("ledger_insufficient") == 30, results
    assert ledger.account_for_parent_enrolment(enrolment).balance_fen == 0
    assert JournalEntry.objects.filter(kind=EntryKind.RELEASE).count() == 20
    assert ledger.ledger_invariant_problems() == []


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_notifications_at_once_book_one_entry():
    from .. import services

    bank, _inst, enrolment = _world()
    order = services.payment_order_create(
        actor=None,
        enrolment=enrolment,
        class_hours=10,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 4, 30),
        today=datetime.date(2026, 2, 20),
    )
    sim = SimulatedBank(bank)
    body = sim.notification_body(order_no=order.order_no, amount_fen=order.amount_fen, notification_id="SAME")

    # Import the URL conf and API once before the race (lazy imports are not what is being tested).
    assert Client().get("/api/v1/openapi.json").status_code == 200
    results = run_threads(20, lambda i: sim.send(body, client=Client()))
    statuses = [r.status for r in results]
    assert statuses == [200] * 20, results
    assert len({r.body["entry_id"] for r in results}) == 1
    assert JournalEntry.objects.count() == 1
    assert ledger.account_for_parent_enrolment(enrolment).balance_fen == order.amount_fen
    assert ledger.ledger_invariant_problems() == []


@pytest.mark.django_db(transaction=True)
def test_posts_naming_the_same_accounts_in_opposite_orders_never_deadlock():
    """No common lock orders the ledger's writers any more: the accounts, locked in id order whatever the order of
    the lines, must be enough. Twenty threads move money back and forth between two parents' accounts."""
    _bank, inst, enrolment = _world()
    other = EnrolmentFactory.create(class_group__course__institution=inst)
    ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=100_000)
    ledger.post_payment_in(actor=None, enrolment=other, amount_fen=100_000)
    first = ledger.account_for_parent_enrolment(enrolment)
    second = ledger.account_for_parent_enrolment(other)

    def move(i: int) -> str:
        a, b = (first, second) if i % 2 else (second, first)
        for _n in range(5):
            ledger.journal_post(actor=None, kind=EntryKind.ADJUSTMENT, lines=[(a, 100), (b, -100)], reference=f"m{i}")
        return "ok"

    results = run_threads(20, move)
    assert results == ["ok"] * 20, results
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.balance_fen + second.balance_fen == 200_000
    assert ledger.ledger_invariant_problems() == []


@pytest.mark.django_db(transaction=True)
def test_a_batch_and_a_service_that_audits_before_it_posts_do_not_deadlock():
    """A service audits first (holding its chain's head), then posts; a batch on the same accounts meanwhile must
    queue behind it on the head, not lock the accounts and then wait for the head (a deadlock: one would fail)."""
    from django.db import transaction

    from shuangjian.core.audit import audit_chain_breaks, audit_record

    _bank, inst, enrolment = _world()
    ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=10_000)
    cash, prepaid = ledger.account_custody_cash(inst), ledger.account_for_parent_enrolment(enrolment)
    audited = threading.Event()

    def work(i: int) -> str:
        if i == 0:
            with transaction.atomic():
                audit_record(actor=None, action="test.audit_first", object_type="test", object_id="1")
                audited.set()
                time.sleep(0.5)  # the batch starts meanwhile
                ledger.journal_post(
                    actor=None, kind=EntryKind.ADJUSTMENT, lines=[(prepaid, 100), (cash, -100)], reference="svc"
                )
            return "service"
        assert audited.wait(10)
        ledger.journal_post_batch(
            actor=None,
            entries=[
                ledger.EntrySpec(EntryKind.PAYMENT_IN, [(cash, 100), (prepaid, -100)], reference=f"b{n}")
                for n in range(3)
            ],
        )
        return "batch"

    results = run_threads(2, work)
    assert results == ["service", "batch"], results
    assert ledger.ledger_invariant_problems() == []
    assert list(audit_chain_breaks()) == []


@pytest.mark.django_db(transaction=True)
def test_racing_duplicates_of_one_key_get_the_one_entry_even_when_the_money_covers_one():
    """Two copies of one post (one idempotency key) at once, the balance enough for one: the second must get the
    first's entry, not a refusal for the balance the first just spent."""
    _bank, _inst, enrolment = _world()
    ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=5_000)
    prepaid = ledger.account_for_parent_enrolment(enrolment)
    refunds = ledger.account_refunds_payable(enrolment.institution)

    def refund(_i: int) -> int:
        entry = ledger.journal_post(
            actor=None,
            kind=EntryKind.REFUND_APPROVE,
            lines=[(prepaid, 5_000), (refunds, -5_000)],
            idempotency_key="refund:race",
        )
        return entry.pk

    results = run_threads(10, refund)
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND_APPROVE).count() == 1
    assert ledger.ledger_invariant_problems() == []


@pytest.mark.django_db(transaction=True)
def test_append_only_and_zero_sum_enforced_by_the_database():
    from django.db import IntegrityError, InternalError, transaction

    _bank, inst, enrolment = _world()
    entry = ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=1_000)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(memo="changed")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Posting.objects.filter(entry=entry).delete()
    # Bypassing journal_post with an unbalanced entry fails at COMMIT (deferred constraint trigger).
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        bad = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1))
        Posting.objects.create(entry=bad, account=ledger.account_custody_cash(inst), amount_fen=5)
        Posting.objects.create(entry=bad, account=ledger.account_for_parent_enrolment(enrolment), amount_fen=-4)
    # An entry with no postings, or a single one, fails too.
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1))
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        lone = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1))
        Posting.objects.create(entry=lone, account=ledger.account_custody_cash(inst), amount_fen=5)
    # Postings naming an account or an entry that does not exist (there are no per-row foreign keys: the
    # statement-level check stands in for them).
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Posting.objects.create(entry=entry, account_id=10**9, amount_fen=5)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Posting.objects.bulk_create(
            [
                Posting(entry_id=10**9, account=ledger.account_custody_cash(inst), amount_fen=5),
                Posting(entry_id=10**9, account=ledger.account_for_parent_enrolment(enrolment), amount_fen=-5),
            ]
        )
    # An entry naming an institution (or bank, enrolment, user) that does not exist is refused.
    with pytest.raises((IntegrityError, InternalError), match="does not exist"), transaction.atomic():
        ghost = JournalEntry.objects.create(
            kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1), institution_id=10**9
        )
        Posting.objects.create(entry=ghost, account=ledger.account_custody_cash(inst), amount_fen=-1)
        Posting.objects.create(entry=ghost, account=ledger.account_for_parent_enrolment(enrolment), amount_fen=1)
    # Rows that entries name cannot be deleted behind Django's back.
    for table, pk in (("registry_institution", inst.pk), ("students_enrolment", enrolment.pk)):
        with (
            pytest.raises((IntegrityError, InternalError), match="named by journal entries"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    # A ledger account with postings cannot be deleted, even bypassing Django's PROTECT.
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM funds_ledgeraccount WHERE id = %s", [ledger.account_custody_cash(inst).pk])
    # The check is deferred: a balanced entry written line by line in separate statements commits.
    with transaction.atomic():
        good = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1))
        Posting.objects.create(entry=good, account=ledger.account_custody_cash(inst), amount_fen=-7)
        Posting.objects.create(entry=good, account=ledger.account_for_parent_enrolment(enrolment), amount_fen=7)
    # A committed entry is closed: no postings join it later, not even a balanced pair.
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Posting.objects.create(entry=good, account=ledger.account_custody_cash(inst), amount_fen=-1)
        Posting.objects.create(entry=good, account=ledger.account_for_parent_enrolment(enrolment), amount_fen=1)
    # Two entries whose lines are split across statements, one of them unbalanced: refused as a whole.
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        one = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1))
        two = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT, business_date=datetime.date(2026, 3, 1))
        cash, prepaid = ledger.account_custody_cash(inst), ledger.account_for_parent_enrolment(enrolment)
        Posting.objects.bulk_create(
            [Posting(entry=one, account=cash, amount_fen=-2), Posting(entry=two, account=cash, amount_fen=-2)]
        )
        Posting.objects.bulk_create(
            [Posting(entry=one, account=prepaid, amount_fen=2), Posting(entry=two, account=prepaid, amount_fen=1)]
        )
    assert JournalEntry.objects.count() == 2
    assert Posting.objects.filter(entry=good).count() == 2
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM funds_ledger_check_queue")
        assert cur.fetchone()[0] == 0  # every commit cleared what it queued


@pytest.mark.django_db(transaction=True)
def test_commit_check_holds_whatever_the_entry_ids_and_statements():
    """The commit check's fast path (one range of entries, one of postings) and its general path (ids with gaps,
    several statements) refuse the same things."""
    from django.db import IntegrityError, InternalError, transaction

    _bank, inst, enrolment = _world()
    cash, prepaid = ledger.account_custody_cash(inst), ledger.account_for_parent_enrolment(enrolment)
    day = datetime.date(2026, 3, 1)

    def refused() -> Any:
        return pytest.raises((IntegrityError, InternalError), match=r"does not balance|must be written")

    def entries(*ids: int) -> None:
        JournalEntry.objects.bulk_create(
            [JournalEntry(id=i, kind=EntryKind.ADJUSTMENT, business_date=day) for i in ids]
        )

    def postings(*lines: tuple[int, Any, int]) -> None:
        Posting.objects.bulk_create([Posting(entry_id=e, account=a, amount_fen=amt) for e, a, amt in lines])

    base = 10**9
    # Ids with a gap, in one statement each: balanced, so it commits.
    with transaction.atomic():
        entries(base, base + 2)
        postings((base, cash, 3), (base, prepaid, -3), (base + 2, cash, 4), (base + 2, prepaid, -4))
    # Same gap, one entry left without postings: refused.
    with refused(), transaction.atomic():
        entries(base + 10, base + 12)
        postings((base + 10, cash, 3), (base + 10, prepaid, -3))
    # A full range of entries, postings touching only part of it: refused.
    with refused(), transaction.atomic():
        entries(base + 20, base + 21, base + 22)
        postings((base + 20, cash, 3), (base + 20, prepaid, -3), (base + 22, cash, 3), (base + 22, prepaid, -3))
    # Balanced in its first statement, then one more posting in a second: refused.
    with refused(), transaction.atomic():
        entries(base + 30)
        postings((base + 30, cash, 3), (base + 30, prepaid, -3))
        postings((base + 30, cash, 5))
    # Two entries created one statement each, their postings in one statement: commits.
    with transaction.atomic():
        entries(base + 40)
        entries(base + 41)
        postings((base + 40, cash, 1), (base + 40, prepaid, -1), (base + 41, cash, 2), (base + 41, prepaid, -2))
    # Postings for an entry of the same range but another transaction: refused.
    with refused(), transaction.atomic():
        entries(base + 42)
        postings((base + 42, cash, 1), (base + 42, prepaid, -1), (base + 41, cash, 1), (base + 41, prepaid, -1))
    assert set(JournalEntry.objects.filter(id__gte=base).values_list("id", flat=True)) == {
        base,
        base + 2,
        base + 40,
        base + 41,
    }
    assert Posting.objects.filter(entry_id__gte=base).count() == 8
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM funds_ledger_check_queue")
        assert cur.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_batch_leaves_books_intact_and_the_batch_retryable():
    bank, inst, enrolment = _world()
    n, each = 300, 1_000
    ledger.post_payment_in(actor=None, enrolment=enrolment, amount_fen=n * each)
    big = ConsumptionRequest.objects.create(
        enrolment=enrolment,
        institution=inst,
        amount_fen=n * each,
        status=ConsumptionStatus.CONFIRMED,
        due_date=datetime.date(2026, 4, 1),
        division_code=inst.division_code,
    )
    ledger.post_release(actor=None, consumption=big)
    batch = BankInstructionBatch.objects.create(bank=bank, kind=InstructionKind.RELEASE, reference="B-KILL")
    BankInstruction.objects.bulk_create(
        BankInstruction(
            batch=batch,
            bank=bank,
            kind=InstructionKind.RELEASE,
            reference=f"I-{i:04d}",
            institution=inst,
            amount_fen=each,
            payee_name=inst.name,
            status=InstructionStatus.SENT,
            division_code=inst.division_code,
        )
        for i in range(n)
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "shuangjian.config.settings.test",
    }
    cmd = [sys.executable, str(REPO / "manage.py"), "bank_sim", "execute", "B-KILL"]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    executed = 0
    while time.time() < deadline:
        executed = BankInstruction.objects.filter(batch=batch, status=InstructionStatus.EXECUTED).count()
        if executed >= 30 or proc.poll() is not None:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""

    executed = BankInstruction.objects.filter(batch=batch, status=InstructionStatus.EXECUTED).count()
    assert 0 < executed < n, "the kill must land mid-batch"
    assert ledger.ledger_invariant_problems() == []
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT).count() == executed
    assert ledger.account_institution_settled(inst).balance_fen == (n - executed) * each

    rerun = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert BankInstruction.objects.filter(batch=batch, status=InstructionStatus.EXECUTED).count() == n
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT).count() == n
    assert ledger.account_institution_settled(inst).balance_fen == 0
    assert ledger.account_custody_cash(inst).balance_fen == 0
    assert ledger.ledger_invariant_problems() == []
    batch.refresh_from_db()
    assert batch.status == InstructionStatus.EXECUTED
