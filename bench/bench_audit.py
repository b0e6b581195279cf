"""Audit chain verification at volume: how fast `audit_verify` walks a long chain, and that it streams.

The chain is built in bulk with the same hashing audit_record uses (appending one by one would measure
audit_record, which bench_smoke already does). BENCH_AUDIT_EVENTS sets the length (default 200,000).
"""

from __future__ import annotations

import os
import time
import tracemalloc
from datetime import timedelta

from bench import Figure, scratch_database


def run() -> list[Figure]:
    from django.db import connection
    from django.utils import timezone

    from shuangjian.core.audit import GENESIS_HASH, audit_chain_walk, event_hash
    from shuangjian.core.models import AuditChainHead, AuditEvent

    total = int(os.environ.get("BENCH_AUDIT_EVENTS", "200000"))
    batch = 5000
    figures: list[Figure] = []
    with scratch_database():
        start_at = timezone.now()
        prev = GENESIS_HASH
        build_start = time.perf_counter()
        for first in range(1, total + 1, batch):
            rows = []
            for seq in range(first, min(first + batch, total + 1)):
                event = AuditEvent(
                    seq=seq,
                    created_at=start_at + timedelta(microseconds=seq),
                    actor_username="bench",
                    role="regulator",
                    action="bench.verify",
                    object_type="registry.institution",
                    object_id=str(seq),
                    division_code="410202" if seq % 2 else "410212",
                    before={"status": "pending"},
                    after={"status": "approved", "名称": f"培训学校{seq}", "amount_fen": seq * 100},
                    ip="198.51.100.7",
                    prev_hash=prev,
                )
                event.hash = event_hash(event)
                prev = event.hash
                rows.append(event)
            AuditEvent.objects.bulk_create(rows)
        AuditChainHead.objects.update_or_create(id=1, defaults={"last_seq": total, "last_hash": prev})
        build = time.perf_counter() - build_start

        walk = audit_chain_walk()
        verify_start = time.perf_counter()
        breaks = list(walk.breaks())
        elapsed = time.perf_counter() - verify_start
        assert not breaks, breaks[:3]
        assert walk.checked == total
        # A second, traced walk: the peak of Python allocations stays flat however long the chain is.
        tracemalloc.start()
        assert not list(audit_chain_walk().breaks())
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

        vendor = connection.vendor
        figures.append((f"audit chain built in bulk ({vendor}, {total} events)", total / build, "events/s"))
        figures.append((f"audit_verify walk ({vendor}, {total} events)", total / elapsed, "events/s"))
        figures.append((f"audit_verify time for {total} events ({vendor})", elapsed, "s"))
        figures.append((f"audit_verify peak Python memory ({vendor}, {total} events)", peak_mb, "MB"))
    return figures
