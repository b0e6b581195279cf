"""Transaction-scoped locks on things that are not rows: people named by resident ID.

Lives in core because two apps on different layers take the same lock (staff when it hires or bars a person,
schools when a roster names them) and neither may import the other's services for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection


def lock_resident_ids(resident_ids: Iterable[str]) -> None:
    """Serialise every check-then-write about these people (hiring, roster cross-check, black list) until commit.

    A hire and a roster naming the same person at the same instant would otherwise each miss the other's
    uncommitted row. PostgreSQL: transaction-scoped advisory locks, taken in a fixed order (no deadlock);
    SQLite already runs one writer at a time.
    """
    keys = sorted({_lock_key(r) for r in resident_ids if r})
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys])


def _lock_key(resident_id: str) -> int:
    # The "staff.person:" namespace predates the move to core; keeping it keeps the keys of a rolling deploy equal.
    digest = hashlib.blake2b(f"staff.person:{resident_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
