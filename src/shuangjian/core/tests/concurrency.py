"""Real concurrency for race tests: several callables released at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def race(*calls: Callable[[], Any]) -> tuple[int, list[BaseException]]:
    """Run the calls at once; returns how many succeeded and what the others raised."""
    barrier = threading.Barrier(len(calls))
    ok: list[int] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            call()
            ok.append(1)
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(ok), errors
