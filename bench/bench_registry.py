"""Registry at scale: public lookup vs the trivial endpoint on one real server, list pages at 20k vs 200k.

One run, on PostgreSQL (a database of its own, created and dropped here): migrate, generate 20,000
institutions (bench/gen_registry.py), start gunicorn with production settings on a free localhost port, and
measure with a small threaded HTTP client:
- requests/s of /healthz (trivial: one SELECT 1) and of /api/v1/public/institutions?q= by USCC, by licence
  number and by part of a name — each ratio to /healthz is the target (≥ 0.8×, issue #17); each kind alternates with
  /healthz in 1-second slices, so a machine whose speed drifts affects both sides of the ratio alike;
- the regulator's institution list page and white-list page (signed-in city regulator, first page);
then grow to 200,000 and measure the pages (target ≤ 1.5× their 20k time) and the lookups again.

Environment: BENCH_REGISTRY_DB (default postgres://postgres@127.0.0.1:5432/shuangjian_bench_h6),
BENCH_REGISTRY_SMALL / BENCH_REGISTRY_LARGE (20000 / 200000), BENCH_SECONDS per throughput figure (6),
BENCH_THREADS (4). The public rate limit is switched off for the bench server (PUBLIC_RATE_LIMIT=0/m) so it
does not distort the figures.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from bench import Figure

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
LIST_PAGE_CANDIDATES = ("/registry/institutions/", "/registry/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def admin_url(db_url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(db_url)
    name = parts.path.lstrip("/")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(db_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    url, name = admin_url(db_url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def child_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "shuangjian.config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "TRUSTED_PROXIES": "0",
            "CACHE_URL": "locmemcache://bench",
            # Production refuses a process-local rate-limit cache; the limit is off here, so it is never contacted.
            "RATELIMIT_CACHE_URL": os.environ.get("BENCH_RATELIMIT_CACHE_URL", "redis://127.0.0.1:6379/15"),
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "PUBLIC_RATE_LIMIT": "0/m",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        }
    )
    return env


def run_child(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def generate(count: int, offset: int, env: dict[str, str]) -> dict[str, object]:
    out = run_child([PYTHON, "-m", "bench.gen_registry", str(count), "--offset", str(offset)], env)
    return dict(json.loads(out.strip().splitlines()[-1]))


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def throughput(port: int, paths: list[str], *, seconds: float, threads: int, max_requests: int = 50_000) -> float:
    """Requests per second over ``threads`` concurrent clients cycling through ``paths``; every answer must be 200."""
    counter = {"ok": 0, "bad": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        i = index
        while time.perf_counter() < deadline:
            status, _body = get(port, paths[i % len(paths)])
            i += threads
            with lock:
                counter["ok" if status == 200 else "bad"] += 1
                if counter["ok"] + counter["bad"] >= max_requests:
                    return

    start = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if counter["bad"]:
        raise RuntimeError(f"{counter['bad']} non-200 answers from {paths[0]}")
    return counter["ok"] / elapsed


def page_time(port: int, path: str, cookie: str, *, repeat: int = 7) -> float:
    """Median seconds for one signed-in page view (after two warm-up views)."""
    for _ in range(2):
        status, _body = get(port, path, cookie)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        status, _body = get(port, path, cookie)
        times.append(time.perf_counter() - start)
        assert status == 200
    return statistics.median(times)


def samples(db_url: str) -> dict[str, list[str]]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        usccs = [r[0] for r in conn.execute("SELECT uscc FROM registry_institution ORDER BY random() LIMIT 4000")]
        licences = [
            r[0]
            for r in conn.execute(
                "SELECT licence_no FROM registry_institution WHERE licence_no IS NOT NULL ORDER BY random() LIMIT 4000"
            )
        ]
        names = [r[0] for r in conn.execute("SELECT name FROM registry_institution ORDER BY random() LIMIT 4000")]
    # Part of a name as a person types it: a word pair from the middle ("博雅星辰"), no county prefix.
    fragments = [n[n.index("区") + 1 :][:4] if "区" in n else n[3:7] for n in names]
    return {"uscc": usccs, "licence": licences, "name": fragments}


def lookup_paths(values: list[str]) -> list[str]:
    return [f"/api/v1/public/institutions?q={urllib.parse.quote(v)}" for v in values]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    workers = os.environ.get("BENCH_WORKERS", "2")
    proc = subprocess.Popen(
        [
            GUNICORN,
            "shuangjian.config.wsgi:application",
            "--workers",
            workers,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 180  # a loaded shared machine took over a minute
    while time.time() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def paired(
    port: int, reference: list[str], paths: list[str], *, seconds: float, threads: int, slices: int
) -> tuple[float, float]:
    """Requests/s of ``reference`` and of ``paths``, measured in alternating slices of ``seconds / slices`` each.

    On a shared or throttled machine the speed drifts over tens of seconds; measuring the two one after the other
    puts that drift into their ratio. Alternating short slices gives both the same conditions.
    """
    done = {"ref": 0.0, "ref_t": 0.0, "val": 0.0, "val_t": 0.0}
    step = seconds / slices
    for _ in range(slices):
        for key, which in (("ref", reference), ("val", paths)):
            start = time.perf_counter()
            rate = throughput(port, which, seconds=step, threads=threads)
            elapsed = time.perf_counter() - start
            done[key] += rate * elapsed
            done[key + "_t"] += elapsed
    return done["ref"] / done["ref_t"], done["val"] / done["val_t"]


def warm_up(ports: list[int], paths: list[str], *, seconds: float, threads: int) -> None:
    """Name searches for a while before measuring: after the data changed, each server process builds its name
    index (registry.name_index) in a thread while SQL answers; production builds it once per process start and
    after a write, so the bench measures the steady state."""
    for port in ports:
        throughput(port, paths, seconds=seconds, threads=threads)


def measure_lookups(port: int, cached_port: int, db_url: str, label: str, seconds: float, threads: int) -> list[Figure]:
    data = samples(db_url)
    figures: list[Figure] = []
    warm_up(
        [port, cached_port],
        lookup_paths(data["name"]),
        seconds=float(os.environ.get("BENCH_WARMUP_SECONDS", "8")),
        threads=threads,
    )
    # The sampled queries repeat (name fragments especially: a few hundred distinct among 4 000) and a run
    # cycles through them, so these go to a server with the answer cache off: every request reaches the
    # database, the worst case for the goal. Each kind alternates with /healthz in 1-second slices.
    slices = max(1, round(seconds))
    for kind in ("uscc", "licence", "name"):
        healthz, rps = paired(
            port, ["/healthz"], lookup_paths(data[kind]), seconds=seconds, threads=threads, slices=slices
        )
        figures.append((f"healthz over HTTP, alternating with lookups by {kind} ({label})", healthz, "req/s"))
        figures.append((f"public lookup by {kind}, answer cache off ({label})", rps, "req/s"))
        figures.append((f"public lookup by {kind} / healthz ({label}, goal >= 0.8)", rps / healthz, "x"))
    # A handful of popular queries on the same code with the 60 s answer cache on (the production default).
    popular = lookup_paths(data["name"][:10])
    cached_healthz, rps = paired(cached_port, ["/healthz"], popular, seconds=seconds, threads=threads, slices=slices)
    figures.append((f"public lookup, 10 popular name queries, answer cache on ({label})", rps, "req/s"))
    figures.append((f"public lookup popular / healthz, answer cache on ({label})", rps / cached_healthz, "x"))
    return figures


def run() -> list[Figure]:
    db_url = os.environ.get("BENCH_REGISTRY_DB", "postgres://postgres@127.0.0.1:5432/shuangjian_bench_h6")
    small = int(os.environ.get("BENCH_REGISTRY_SMALL", "20000"))
    large = int(os.environ.get("BENCH_REGISTRY_LARGE", "200000"))
    seconds = float(os.environ.get("BENCH_SECONDS", "6"))
    threads = int(os.environ.get("BENCH_THREADS", "4"))
    env = child_env(db_url)
    figures: list[Figure] = []
    recreate_database(db_url)
    server: subprocess.Popen[bytes] | None = None
    cached_server: subprocess.Popen[bytes] | None = None
    try:
        run_child([PYTHON, "-m", "django", "migrate", "--noinput", "-v", "0"], env)
        info = generate(small, 0, env)
        figures.append((f"generate {small} institutions", float(str(info["seconds"])), "s"))
        cookie = f"sessionid={info['session_key']}"
        port = free_port()
        server = start_server({**env, "PUBLIC_QUERY_CACHE_SECONDS": "0"}, port)
        cached_port = free_port()
        cached_server = start_server(env, cached_port)
        list_page = next((p for p in LIST_PAGE_CANDIDATES if get(port, p, cookie)[0] == 200), None)
        pages = {"whitelist page": "/registry/lists/white/"}
        if list_page:
            pages = {"institution list page": list_page, **pages}
        figures += measure_lookups(port, cached_port, db_url, f"{small // 1000}k", seconds, threads)
        small_times = {name: page_time(port, path, cookie) for name, path in pages.items()}
        for name, t in small_times.items():
            figures.append((f"{name} ({small // 1000}k, city regulator)", t * 1000, "ms"))

        info = generate(large - small, small, env)
        figures.append((f"generate {large - small} more institutions", float(str(info["seconds"])), "s"))
        for name, path in pages.items():
            t = page_time(port, path, cookie)
            figures.append((f"{name} ({large // 1000}k, city regulator)", t * 1000, "ms"))
            figures.append((f"{name} {large // 1000}k / {small // 1000}k (goal <= 1.5)", t / small_times[name], "x"))
        figures += measure_lookups(port, cached_port, db_url, f"{large // 1000}k", seconds, threads)
        if not list_page:
            figures.append(("institution list page not found (h5's page missing): measured whitelist only", 0, ""))
    finally:
        for proc in (server, cached_server):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        recreate_database(db_url, drop_only=True)
    return figures


if __name__ == "__main__":
    for name, figure, unit in run():
        print(f"{name}: {figure:.3g} {unit}")
