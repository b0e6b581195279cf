"""The signed bank webhook end to end over HTTP, with concurrent senders, against the same server's /healthz.

One run, on PostgreSQL (a database of its own, created and dropped here): migrate, generate a bank, 20
institutions with 200 enrolments and enough pending payment orders (bench/gen_webhook.py), start gunicorn with
production settings (as bench_registry does) and measure with a threaded HTTP client:

- requests/s of ``POST /api/v1/banks/<code>/notifications`` from 16 concurrent sender threads, every request a
  new notification paying a different order — the real path: body size check, bank lookup, timestamp and
  HMAC-SHA256 signature, JSON and schema validation, the idempotency row, the order lock, the ledger entry
  (``journal_post``) with its audit event, the order update and its audit event — every answer must be 200 with
  ``result: booked``;
- requests/s of ``GET /healthz`` (one ``SELECT 1``) from as many threads, in alternating slices with the
  notifications so a machine whose speed drifts affects both alike; the ratio is the target (≥ 0.5×);
- 20 concurrent copies of one notification: all answered 200 with the same entry, exactly one entry booked.

Environment: BENCH_WEBHOOK_DB (default postgres://postgres@127.0.0.1:5432/shuangjian_bench_webhook),
BENCH_SECONDS (total seconds per side, default 10), BENCH_WEBHOOK_SENDERS (16), BENCH_WEBHOOK_WORKERS (gunicorn
sync workers; default 2 × cores, the layout docs/operations.md recommends for production — the one server serves
both sides of the ratio), BENCH_RATELIMIT_CACHE_URL (the Redis that production settings require for rate limits, default
redis://127.0.0.1:6379/5; the public rate limit itself is off for the bench).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import itertools
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable

from bench import Figure
from bench.bench_registry import PYTHON, child_env, free_port, recreate_database, run_child, start_server

DB_URL = os.environ.get("BENCH_WEBHOOK_DB", "postgres://postgres@127.0.0.1:5432/shuangjian_bench_webhook")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
SENDERS = int(os.environ.get("BENCH_WEBHOOK_SENDERS", "16"))
# docs/operations.md: "workers ≈ 2 × cores". A sync worker waits while PostgreSQL flushes a notification's commit;
# with one worker per core that wait leaves a core idle, which healthz (no commit) never does.
WORKERS = os.environ.get("BENCH_WEBHOOK_WORKERS") or str(2 * (os.cpu_count() or 1))
# Orders generated: more than the notifications a run can send (each pays a different order).
ORDERS = int(os.environ.get("BENCH_WEBHOOK_ORDERS", "30000"))

Request = tuple[str, str, bytes, dict[str, str]]


def _signed(bank: str, secret: str, payload: dict[str, object]) -> Request:
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Timestamp": timestamp, "X-Signature": signature}
    return "POST", f"/api/v1/banks/{bank}/notifications", body, headers


def _send(port: int, request: Request) -> tuple[int, bytes]:
    method, path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _throughput(
    port: int, next_request: Callable[[], Request], *, seconds: float, threads: int, check: Callable[[bytes], bool]
) -> float:
    """Requests/s over ``threads`` concurrent clients; every answer must be 200 and pass ``check``."""
    counter = {"ok": 0, "bad": 0}
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                request = next_request()
            status, body = _send(port, request)
            good = status == 200 and check(body)
            with lock:
                counter["ok" if good else "bad"] += 1
                if not good and len(failures) < 3:
                    failures.append(f"{status} {body[:300]!r}")

    start = time.perf_counter()
    pool = [threading.Thread(target=worker) for _n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if counter["bad"]:
        raise RuntimeError(f"{counter['bad']} bad answers, e.g. {failures}")
    return counter["ok"] / elapsed


def _booked(body: bytes) -> bool:
    return bool(json.loads(body).get("result") == "booked")


def _ok(_body: bytes) -> bool:
    return True


def run() -> list[Figure]:
    recreate_database(DB_URL)
    env = child_env(DB_URL)
    # Production settings refuse a process-local rate-limit cache (each worker would count alone).
    env["RATELIMIT_CACHE_URL"] = os.environ.get("BENCH_RATELIMIT_CACHE_URL", "redis://127.0.0.1:6379/5")
    server = None
    try:
        run_child([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        data = json.loads(run_child([PYTHON, "-m", "bench.gen_webhook", str(ORDERS)], env).strip().splitlines()[-1])
        bank, secret = data["bank"], data["secret"]
        orders = iter(data["orders"])
        serial = itertools.count()
        paid_at = datetime.datetime.now(datetime.UTC).isoformat()

        def notification() -> Request:
            order_no, amount = next(orders)
            n = next(serial)
            return _signed(
                bank,
                secret,
                {
                    "notification_id": f"N{n:09d}",
                    "order_no": order_no,
                    "amount_fen": amount,
                    "bank_reference": f"R{n:09d}",
                    "paid_at": paid_at,
                    "payer_name": "张家长",
                },
            )

        def healthz() -> Request:
            return "GET", "/healthz", b"", {}

        port = free_port()
        server = _start_server(env, port)
        # Warm-up, not timed: every worker's first requests import views and open connections.
        _throughput(port, notification, seconds=2, threads=SENDERS, check=_booked)
        _throughput(port, healthz, seconds=1, threads=SENDERS, check=_ok)

        slices = max(1, round(SECONDS))
        step = SECONDS / slices
        totals = {"ref": 0.0, "ref_t": 0.0, "hook": 0.0, "hook_t": 0.0}
        for _s in range(slices):
            for key, make, check in (("ref", healthz, _ok), ("hook", notification, _booked)):
                start = time.perf_counter()
                rate = _throughput(port, make, seconds=step, threads=SENDERS, check=check)
                elapsed = time.perf_counter() - start
                totals[key] += rate * elapsed
                totals[key + "_t"] += elapsed
        reference = totals["ref"] / totals["ref_t"]
        hook = totals["hook"] / totals["hook_t"]

        # 20 copies of one notification at the same instant: one entry, the same answer for all.
        same = notification()
        answers: list[tuple[int, bytes]] = []
        barrier = threading.Barrier(20)

        def copy() -> None:
            barrier.wait()
            answers.append(_send(port, same))

        pool = [threading.Thread(target=copy) for _n in range(20)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        entries = {json.loads(body).get("entry_id") for status, body in answers if status == 200}
        booked = _count_entries(json.loads(same[2])["bank_reference"])
        if len(answers) != 20 or any(status != 200 for status, _b in answers) or len(entries) != 1 or booked != 1:
            raise AssertionError(f"20 copies of one notification: {answers[:3]}, entries {entries}, booked {booked}")
        problems = _ledger_problems(env)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        recreate_database(DB_URL, drop_only=True)
    return [
        (f"gunicorn sync workers (both sides, {os.cpu_count()} cores)", int(WORKERS), ""),
        (f"healthz over HTTP, {SENDERS} threads, alternating with notifications", round(reference), "req/s"),
        (f"signed bank notifications over HTTP, {SENDERS} concurrent senders, each booked", round(hook), "req/s"),
        (f"bank notification / healthz ({SENDERS} senders, goal >= 0.5)", round(hook / reference, 2), "x"),
        ("20 concurrent copies of one notification: entries booked", booked, "(must be 1)"),
        ("ledger invariant problems after the run", len(problems), "(must be 0)"),
    ]


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """``bench_registry.start_server`` with this bench's worker count (it reads BENCH_WORKERS, restored after)."""
    saved = os.environ.get("BENCH_WORKERS")
    os.environ["BENCH_WORKERS"] = WORKERS
    try:
        return start_server(env, port)
    finally:
        if saved is None:
            os.environ.pop("BENCH_WORKERS", None)
        else:
            os.environ["BENCH_WORKERS"] = saved


def _count_entries(bank_reference: str) -> int:
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        row = conn.execute("SELECT count(*) FROM funds_journalentry WHERE bank_reference = %s", [bank_reference])
        return int(row.fetchone()[0])  # type: ignore[index]


def _ledger_problems(env: dict[str, str]) -> list[str]:
    out = run_child(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "import json; from shuangjian.funds import ledger; print(json.dumps(ledger.ledger_invariant_problems()))",
        ],
        env,
    )
    return list(json.loads(out.strip().splitlines()[-1]))
