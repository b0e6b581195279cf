"""Runs django-hordak postings for bench_funds, in a separate venv that has django-hordak installed.

Not a bench module itself (the runner imports only bench_*.py). Usage:

    <hordak venv>/bin/python bench/hordak_worker.py postgres://postgres@127.0.0.1:5432/<db> N
    <hordak venv>/bin/python bench/hordak_worker.py postgres://postgres@127.0.0.1:5432/<db> serve

``serve``: set up, print ``ready``, then for each number K read from stdin run K transfers one per transaction and
print the seconds they took (wall, and CPU of the worker plus its backend) — so bench_funds can alternate slices
of hordak's transfers with its own posts.

Prints one JSON line: legs per second for N two-leg transfers one per transaction, without and with a balance
read before each transfer (hordak checks no balances itself; our ledger does, under a row lock), and for the same
transfers grouped 1 000 per transaction — the grouping our batch path uses, so the comparison is like for like.
"""

from __future__ import annotations

import json
import sys
import time
from urllib.parse import urlparse


def main(url: str, n: int | None) -> None:
    import django
    from django.conf import settings

    parsed = urlparse(url)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "mptt", "djmoney", "hordak"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": parsed.path.lstrip("/"),
                "USER": parsed.username or "postgres",
                "HOST": parsed.hostname or "127.0.0.1",
                "PORT": parsed.port or 5432,
            }
        },
        HORDAK_DECIMAL_PLACES=2,
        DEFAULT_CURRENCY="CNY",
        CURRENCIES=["CNY"],
        HORDAK_CURRENCIES=["CNY"],
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
    from django.core.management import call_command
    from djmoney.money import Money
    from hordak.models import Account

    call_command("migrate", verbosity=0)
    cash = Account.objects.create(name="custody cash", code="1", type=Account.TYPES.asset, currencies=["CNY"])
    parents = [
        Account.objects.create(name=f"parent {i}", code=f"2{i:05d}", type=Account.TYPES.liability, currencies=["CNY"])
        for i in range(200)
    ]
    if n is None:
        serve(cash, parents)
        return
    start = time.perf_counter()
    for i in range(n):
        parents[i % 200].transfer_to(cash, Money("100.00", "CNY"))
    plain = 2 * n / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(n):
        parents[i % 200].get_simple_balance()
        parents[i % 200].transfer_to(cash, Money("100.00", "CNY"))
    checked = 2 * n / (time.perf_counter() - start)
    from django.db import transaction

    grouped_n = max(n, 5_000)
    start = time.perf_counter()
    for first in range(0, grouped_n, 1_000):
        with transaction.atomic():
            for i in range(first, min(first + 1_000, grouped_n)):
                parents[i % 200].transfer_to(cash, Money("100.00", "CNY"))
    grouped = 2 * grouped_n / (time.perf_counter() - start)
    print(
        json.dumps(
            {"legs_per_s": plain, "legs_per_s_with_balance_read": checked, "legs_per_s_1000_per_transaction": grouped}
        )
    )


def _cpu(backend_pid: int) -> float:
    """CPU seconds of this process plus its PostgreSQL backend (from /proc; the server runs on this machine)."""
    import os

    try:
        fields = open(f"/proc/{backend_pid}/stat").read().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        backend = 0.0
    return time.process_time() + backend


def serve(cash: object, parents: list) -> None:
    from django.db import connection
    from djmoney.money import Money

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend_pid = cur.fetchone()[0]
    amount = Money("100.00", "CNY")
    done = 0
    print("ready", flush=True)
    for line in sys.stdin:
        count = int(line)
        cpu, start = _cpu(backend_pid), time.perf_counter()
        for i in range(done, done + count):
            parents[i % 200].transfer_to(cash, amount)
        done += count
        print(f"{time.perf_counter() - start:.6f} {_cpu(backend_pid) - cpu:.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], None if sys.argv[2] == "serve" else int(sys.argv[2]))
