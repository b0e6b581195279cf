"""Benchmarks: `python -m bench [NAME ...]` runs every `bench/bench_*.py` module's `run()`.

A module's `run()` returns a list of `(name, figure, unit)` tuples; the runner prints `name: figure unit`.
Helpers here are shared by the modules (timing, a throw-away database).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Figure = tuple[str, float, str]


def rate(func: Callable[[], object], *, count: int) -> float:
    """Calls `func` `count` times and returns calls per second."""
    start = time.perf_counter()
    for _ in range(count):
        func()
    elapsed = time.perf_counter() - start
    return count / elapsed if elapsed > 0 else float("inf")


@contextmanager
def scratch_database() -> Iterator[str]:
    """Points Django's default connection at a fresh, migrated database for the duration of the block.

    On SQLite the database is a file in a temporary directory (never var/db.sqlite3); on PostgreSQL it is
    Django's usual test database (test_<name>). Either way it is dropped afterwards, so a bench never
    touches the demo or production data. Yields the scratch database's name.
    """
    from django.db import connection

    with tempfile.TemporaryDirectory(prefix="shuangjian-bench-") as tmp:
        settings_dict = connection.settings_dict
        old_name = settings_dict["NAME"]
        old_test = dict(settings_dict.get("TEST") or {})
        if connection.vendor == "sqlite":
            settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
        try:
            name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
            try:
                yield name
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        finally:
            settings_dict["TEST"] = old_test
