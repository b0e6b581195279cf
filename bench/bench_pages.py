"""Every role's menu pages at 20k and at 200k institutions (issue #17 "Every page measured"; #16's bench line).

One run, on PostgreSQL, in a database of its own (`BENCH_PAGES_DB`, default
postgres://postgres@127.0.0.1:5432/walk_bench_pages, dropped and created here): migrate; generate a province of
20 000 institutions; build one user per role and scope (`bench.page_walk.make_walkers`: platform admin, city
regulator of 4102, county regulator and inspector of 410202, a grid officer assigned to a cell, a school's
administrator, a bank operator, the operator of the busiest institution, a parent with two enrolled children);
for each user walk every page of their menu (`core.nav.items_for(user)`, not a hand-kept list), signed in with
`force_login` through Django's test client in this process (full middleware stack, no HTTP server), and take the
median of `BENCH_PAGES_REPEAT` (5) views of page 1 after one warm-up view. Then grow the data to 200 000 and walk
again. Prints per role and page: median ms at each size and their ratio, CPU ms per view (this process plus its
PostgreSQL backend, from /proc) and their ratio, and a flag when a page's CPU grows > 1.5× at 10× the data or
exceeds 300 ms at the largest size (CPU, because wall-clock time on the shared machine moves with others' load).

The work runs in a child process (`python -m bench.bench_pages --child`) so it can point Django at PostgreSQL
whatever database the runner was started with. Data: `bench/gen_province.py` (`generate(institutions=, offset=)`,
institutions with their sites, staff, courses, students, enrolments, postings, inspections, reports, grid cells and
an audit chain per institution; seven cities including Kaifeng 4102, so the walkers' scopes hold data).
Environment: `BENCH_PAGES_SIZES` (`20000,200000`; e.g. `2000,20000` while developing), `BENCH_PAGES_REPEAT` (5),
`BENCH_PAGES_ONLY` (comma-separated url names or roles to walk, for a quick re-measure),
`BENCH_PAGES_KEEP=1` (keep the database afterwards; by default it is dropped),
`BENCH_PAGES_PREBUILT` (comma-separated database URLs, one per size, of provinces generated beforehand with
`python -m bench.gen_province N`: each size is walked in its own database, which is migrated, grown to the size if
it holds fewer institutions, and kept — so a 200k province generated once can be walked again after a change).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import Figure

if TYPE_CHECKING:
    from shuangjian.core.models import User

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/walk_bench_pages"
RATIO_TARGET = 1.5
MS_TARGET = 300.0


def sizes() -> list[int]:
    raw = os.environ.get("BENCH_PAGES_SIZES", "20000,200000")
    return [int(x) for x in raw.replace("_", "").split(",") if x.strip()]


def run() -> list[Figure]:
    prebuilt = [u for u in os.environ.get("BENCH_PAGES_PREBUILT", "").split(",") if u.strip()]
    if prebuilt:
        return report(run_prebuilt(prebuilt))
    db_url = os.environ.get("BENCH_PAGES_DB", DEFAULT_DB)
    try:
        result = _run_child(_child_env(db_url))
    finally:
        if os.environ.get("BENCH_PAGES_KEEP") != "1":  # BENCH_PAGES_KEEP=1 keeps the database for EXPLAIN afterwards
            recreate_database(db_url, drop_only=True)
    return report(result)


def _run_child(env: dict[str, str]) -> dict[str, object]:
    """``python -m bench.bench_pages --child`` with ``env``; its result (the last line it prints, JSON)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_pages", "--child"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=4 * 3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_pages child failed ({done.returncode}) on {env['DATABASE_URL']}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_prebuilt(urls: list[str]) -> dict[str, object]:
    """One child per size, each in its own prebuilt database (kept); their results merged as one run's."""
    wanted = sizes()
    if len(urls) != len(wanted):
        raise RuntimeError(f"BENCH_PAGES_PREBUILT names {len(urls)} databases for {len(wanted)} sizes")
    pages: dict[str, dict[str, object]] = {}
    generators: list[str] = []
    for size, url in zip(wanted, urls, strict=True):
        env = _child_env(url.strip())
        env.update({"BENCH_PAGES_SIZES": str(size), "BENCH_PAGES_NO_REBUILD": "1"})
        part: dict[str, Any] = _run_child(env)
        generators += part["generators"]
        for key, values in part["pages"].items():
            pages.setdefault(key, {}).update(values)
    return {"sizes": wanted, "pages": pages, "generators": generators}


def _child_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_PAGES_SETTINGS", "shuangjian.config.settings.dev"),
            "DEBUG": "0",
            "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        }
    )
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def _ratio(first: object, last: object) -> float | None:
    if isinstance(first, (int, float)) and isinstance(last, (int, float)) and first > 0:
        return float(last) / float(first)
    return None


def report(result: dict[str, object]) -> list[Figure]:
    """Prints the table (wall-clock medians, CPU per view, ratios, flags) and returns the figures."""
    size_list = [str(s) for s in result["sizes"]]  # type: ignore[attr-defined]
    pages: dict[str, dict[str, float | str]] = result["pages"]  # type: ignore[assignment]
    small, large = size_list[0], size_list[-1]
    figures: list[Figure] = []
    header = f"{'role':<22}{'page':<34}" + "".join(f"{'ms@' + s:>11}" for s in size_list)
    header += f"{'ratio':>7}" + "".join(f"{'cpu@' + s:>11}" for s in size_list) + f"{'cpu x':>7}  flag"
    print(header, flush=True)
    flagged = 0
    for key, row in pages.items():
        role, url_name = key.split(" ", 1)
        walls = [row.get(s, "-") for s in size_list]
        cpus = [row.get(f"{s} cpu", "-") for s in size_list]
        ratio = _ratio(row.get(small), row.get(large))
        cpu_ratio = _ratio(row.get(f"{small} cpu"), row.get(f"{large} cpu"))
        last = row.get(large)
        last_cpu = row.get(f"{large} cpu")
        # Flags read the CPU figures (this process + its PostgreSQL backend per view): on a shared machine the
        # wall-clock medians move with other people's load (several × within a run); CPU per view does not.
        flags = []
        if cpu_ratio is not None and cpu_ratio > RATIO_TARGET and len(size_list) > 1:
            flags.append(f">{RATIO_TARGET}x")
        if isinstance(last_cpu, (int, float)) and last_cpu > MS_TARGET:
            flags.append(f">{MS_TARGET:.0f}ms")
        if any(isinstance(v, str) for v in row.values()):
            flags.append("ERROR")
        flagged += bool(flags)

        def cell(value: object) -> str:
            return f"{value:>11.1f}" if isinstance(value, (int, float)) else f"{value!s:>11}"

        line = f"{role:<22}{url_name:<34}" + "".join(cell(v) for v in walls)
        line += f"{ratio if ratio is not None else float('nan'):>7.2f}" + "".join(cell(v) for v in cpus)
        line += f"{cpu_ratio if cpu_ratio is not None else float('nan'):>7.2f}  {' '.join(flags)}"
        print(line, flush=True)
        if isinstance(last, (int, float)):
            figures.append((f"{role} {url_name} at {large}", round(float(last), 1), "ms"))
        if ratio is not None and len(size_list) > 1:
            figures.append((f"{role} {url_name} {large}/{small}", round(ratio, 2), "x"))
        if cpu_ratio is not None and len(size_list) > 1:
            figures.append((f"{role} {url_name} cpu {large}/{small}", round(cpu_ratio, 2), "x"))
    figures.append(("pages flagged (CPU >1.5x or >300 ms, or an error)", flagged, "pages"))
    figures.append(("pages walked", len(pages), "pages"))
    return figures


# --- child: runs against BENCH_PAGES_DB -------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench_pages {time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def recreate_database(db_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(db_url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def grow(total: int, offset: int) -> str:
    """Brings the province to ``total`` institutions with ``bench/gen_province.py``; returns the generator's name.

    Imported here, in the child, after ``django.setup()`` (the generator imports the models). No fallback: a
    generator that fails to import or to run fails the bench rather than quietly measuring thinner data.
    """
    from bench import gen_province

    gen_province.generate(institutions=total - offset, offset=offset, progress=lambda *a, **k: None)
    return "gen_province"


def evaluate(admin: object) -> None:
    """(Re)computes one evaluation period (this year so far) so the evaluation table and dashboard have figures."""
    import datetime

    from django.utils import timezone

    from shuangjian.oversight import evaluation

    today = timezone.localdate()
    evaluation.period_compute(
        actor=admin,  # type: ignore[arg-type]
        name="页面巡检",
        starts_on=datetime.date(today.year, 1, 1),
        ends_on=today,
    )


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def walk(users: dict[str, User], repeat: int, only: set[str]) -> dict[str, float | str]:
    from django.core.cache import caches
    from django.test import Client

    from bench.page_walk import menu_pages

    out: dict[str, float | str] = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        for page in menu_pages(role, user):
            if only and role not in only and page.url_name not in only:
                continue
            key = f"{role} {page.url_name}"
            for cache in caches.all():
                cache.clear()
            status = client.get(page.url).status_code  # warm-up (also fills the page's own caches, as a reader would)
            if status == 302:
                # A page that computes in a background job starts it on the first view and redirects to the job
                # (complaints:statistics); the job runs in this process (eager), so the next view shows the result.
                status = client.get(page.url).status_code
            if status != 200:
                out[key] = f"HTTP {status}"
                continue
            times = []
            cpu_start = time.process_time() + backend_cpu()
            for _ in range(repeat):
                start = time.perf_counter()
                status = client.get(page.url).status_code
                times.append((time.perf_counter() - start) * 1000)
            cpu = (time.process_time() + backend_cpu() - cpu_start) * 1000 / repeat
            out[key] = round(statistics.median(times), 2)
            out[f"{key} cpu"] = round(cpu, 2)
            log(f"{key}: {out[key]} ms (cpu {cpu:.1f} ms)")
    return out


def backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far, from /proc (0 if unreadable)."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    db_url = os.environ["DATABASE_URL"]
    reuse = os.environ.get("BENCH_PAGES_NO_REBUILD") == "1"
    if not reuse:
        recreate_database(db_url)
    import django

    django.setup()
    from django.core.management import call_command

    from bench.page_walk import make_walkers

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.perf_counter() - started:.0f} s")
    repeat = int(os.environ.get("BENCH_PAGES_REPEAT", "5"))
    only = {x for x in os.environ.get("BENCH_PAGES_ONLY", "").split(",") if x}
    pages: dict[str, dict[str, float | str]] = {}
    done = 0
    generators = []
    if reuse:
        from shuangjian.registry.models import Institution

        done = Institution.objects.count()
        log(f"prebuilt database holds {done} institutions")
    for size in sizes():
        started = time.perf_counter()
        generators.append(grow(size, done) if size > done else f"prebuilt ({done})")
        done = max(done, size)
        users = make_walkers(students=60)
        started_eval = time.perf_counter()
        evaluate(users["platform_admin"])
        log(f"evaluation period computed in {time.perf_counter() - started_eval:.0f} s")
        vacuum()
        log(f"{size} institutions ({generators[-1]}) in {time.perf_counter() - started:.0f} s")
        for key, value in walk(users, repeat, only).items():
            if key.endswith(" cpu"):
                pages.setdefault(key[: -len(" cpu")], {})[f"{size} cpu"] = value
            else:
                pages.setdefault(key, {})[str(size)] = value
    print(json.dumps({"sizes": sizes(), "pages": pages, "generators": generators}))


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.config.settings.dev")
        for figure in run():
            print(*figure)
