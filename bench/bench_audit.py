"""The audit log at volume and under concurrent writers.

1. Verification: how fast `audit_verify` walks a long log spread over many chains, and that it streams. The log is
   built in bulk with the same hashing audit_record uses. BENCH_AUDIT_EVENTS sets the length (default 200,000).
2. Concurrent writers (PostgreSQL only; issue #17): writer processes, each committing one transaction after
   another (a row update standing for the business write, then its audit event), in alternating slices of
   - one writer,
   - two writers on different chains (two institutions / counties: the partitioned log),
   - two writers on one chain (every audited write on one head row: the log before the partition).
   The figure is commits per second summed over the writers; the ratios are two writers ÷ one.
   BENCH_AUDIT_SLICE (seconds, default 4) and BENCH_AUDIT_ROUNDS (default 3) set the slices.
   BENCH_AUDIT_HOLD_MS keeps each transaction open that long after its audit event (default 0): on a machine
   with every core busy, throughput ratios of CPU-bound writers measure the scheduler, not the locks.
   BENCH_AUDIT_WRITERS_ONLY=1 skips part 1: with PYTHONPATH pointing at an older checkout's src/, the same
   writers measure the code before the partition (the contrast in docs/benchmarks.md).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
import tracemalloc
from datetime import timedelta
from multiprocessing.connection import Connection

from bench import Figure, scratch_database

CHAINS = 1000  # the bulk-built log is spread over this many chains
# Milliseconds each writer's transaction goes on after its audit event (other statements, the client, the commit)
# while its chain head stays locked. Sleeping rather than computing, the writers' throughput then shows the
# locking alone even on a machine whose cores are taken by other work.
HOLD_MS = float(os.environ.get("BENCH_AUDIT_HOLD_MS", "0"))


def run() -> list[Figure]:
    from django.db import connection

    figures: list[Figure] = []
    with scratch_database():
        if not os.environ.get("BENCH_AUDIT_WRITERS_ONLY"):
            figures += _verify_figures()
        if connection.vendor == "postgresql":
            figures += _writer_figures()
    return figures


def _verify_figures() -> list[Figure]:
    from django.db import connection
    from django.utils import timezone

    from shuangjian.core.audit import GENESIS_HASH, audit_chain_walk, event_hash
    from shuangjian.core.models import AuditChainHead, AuditEvent

    total = int(os.environ.get("BENCH_AUDIT_EVENTS", "200000"))
    batch = 5000
    start_at = timezone.now()
    heads: dict[str, tuple[int, str, str]] = {}  # chain → (last_seq, last_hash, prev_hash)
    build_start = time.perf_counter()
    for first in range(1, total + 1, batch):
        rows = []
        for n in range(first, min(first + batch, total + 1)):
            chain = f"i:{n % CHAINS + 1}"
            last_seq, last_hash, _prev = heads.get(chain, (0, GENESIS_HASH, GENESIS_HASH))
            event = AuditEvent(
                created_at=start_at + timedelta(microseconds=n),
                actor_username="bench",
                role="regulator",
                action="bench.verify",
                object_type="registry.institution",
                object_id=str(n),
                division_code="410202" if n % 2 else "410212",
                before={"status": "pending"},
                after={"status": "approved", "名称": f"培训学校{n}", "amount_fen": n * 100},
                ip="198.51.100.7",
                chain=chain,
                chain_seq=last_seq + 1,
                version=2,
                prev_hash=last_hash,
            )
            event.hash = event_hash(event)
            heads[chain] = (event.chain_seq, event.hash, last_hash)
            rows.append(event)
        AuditEvent.objects.bulk_create(rows)
    AuditChainHead.objects.bulk_create(
        AuditChainHead(chain=chain, last_seq=seq, last_hash=digest, prev_hash=prev)
        for chain, (seq, digest, prev) in heads.items()
    )
    build = time.perf_counter() - build_start

    walk = audit_chain_walk()
    verify_start = time.perf_counter()
    breaks = list(walk.breaks())
    elapsed = time.perf_counter() - verify_start
    assert not breaks, breaks[:3]
    assert walk.checked == total
    # A second, traced walk: the peak of Python allocations stays flat however long the log is.
    tracemalloc.start()
    assert not list(audit_chain_walk().breaks())
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    vendor = connection.vendor
    label = f"{vendor}, {total} events on {len(heads)} chains"
    return [
        (f"audit log built in bulk ({label})", total / build, "events/s"),
        (f"audit_verify walk ({label})", total / elapsed, "events/s"),
        (f"audit_verify time ({label})", elapsed, "s"),
        (f"audit_verify peak Python memory ({label})", peak_mb, "MB"),
    ]


# --- Concurrent writers -----------------------------------------------------------------------------------------


def _writer(out: Connection, worker: int, division_code: str, start_at: float, seconds: float) -> None:
    from django.db import connection, connections, transaction

    from shuangjian.core.audit import audit_record

    connections.close_all()  # never share the parent's socket
    n, in_audit = 0, 0.0
    try:
        connection.ensure_connection()
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        while time.time() < deadline:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE bench_audit_work SET n = n + 1 WHERE id = %s", [worker])
                mark = time.perf_counter()
                audit_record(actor=None, action="bench.write", division_code=division_code, after={"n": n})
                in_audit += time.perf_counter() - mark  # includes any wait for the chain head's lock
                if HOLD_MS:
                    time.sleep(HOLD_MS / 1000)  # the rest of the transaction, with the chain head locked
            n += 1
    finally:
        connections.close_all()
        out.send((n, in_audit))


def _slice(codes: list[str], seconds: float) -> tuple[float, float]:
    """Commits per second of ``len(codes)`` writer processes, writer i writing to the chain of ``codes[i]``, and
    the mean time a commit spent inside ``audit_record`` (ms: the statement plus any wait for the head's lock)."""
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    start_at = time.time() + 1.0  # every writer connected before the clock starts
    pipes, procs = [], []
    for worker, code in enumerate(codes, start=1):
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_writer, args=(send, worker, code, start_at, seconds))
        proc.start()
        pipes.append(receive)
        procs.append(proc)
    results = [pipe.recv() for pipe in pipes]
    for proc in procs:
        proc.join()
    commits = sum(n for n, _t in results)
    return commits / seconds, 1000 * sum(t for _n, t in results) / max(commits, 1)


def _writer_figures() -> list[Figure]:
    from django.db import connection

    from shuangjian.core.audit import audit_chain_walk

    seconds = float(os.environ.get("BENCH_AUDIT_SLICE", "4"))
    rounds = int(os.environ.get("BENCH_AUDIT_ROUNDS", "3"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_audit_work (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 0)")
        cursor.execute("INSERT INTO bench_audit_work (id) SELECT generate_series(1, 8)")
    modes = {
        "one writer": ["410202"],
        "two writers, two chains": ["410202", "410212"],
        "two writers, one chain": ["410202", "410202"],
    }
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    audit_ms: dict[str, list[float]] = {mode: [] for mode in modes}
    for _round in range(rounds):  # alternating slices: a busy moment on the machine hits every mode alike
        for mode, codes in modes.items():
            rate, ms = _slice(codes, seconds)
            rates[mode].append(rate)
            audit_ms[mode].append(ms)
    breaks = list(audit_chain_walk().breaks())
    assert not breaks, breaks[:3]  # every chain written concurrently still verifies
    median = {mode: statistics.median(values) for mode, values in rates.items()}
    one = median["one writer"]
    figures: list[Figure] = [
        (
            f"audited writes, {mode} (postgresql, hold {HOLD_MS:g} ms, median of {rounds} × {seconds:g} s)",
            rate,
            "commits/s",
        )
        for mode, rate in median.items()
    ]
    figures += [
        (f"time in audit_record per commit, {mode} (median of {rounds})", statistics.median(values), "ms")
        for mode, values in audit_ms.items()
    ]
    figures.append(("two writers on two chains ÷ one writer", median["two writers, two chains"] / one, "×"))
    figures.append(
        ("two writers on one chain ÷ one writer (the single chain)", median["two writers, one chain"] / one, "×")
    )
    per_round = zip(rates["one writer"], rates["two writers, two chains"], rates["two writers, one chain"], strict=True)
    spread = ", ".join(f"{a / o:.2f} | {b / o:.2f}" for o, a, b in per_round)
    figures.append((f"two writers ÷ one per round (two chains | one chain): {spread}", rounds, "rounds"))
    return figures
