"""Funds: validated ledger postings vs raw COPY and vs django-hordak; reconciliation of 1M statement lines.

Figures (PostgreSQL is the database these goals are about; on SQLite COPY becomes executemany):

* ``journal_post`` one entry per transaction (2 postings each) — the path payments and releases take;
* ``journal_post_batch`` 1 000 entries per transaction — bulk work (imports, bank batches);
* raw ``COPY`` of the same posting rows, in transactions of the same size, into a table of the posting table's shape
  (``LIKE funds_posting INCLUDING ALL``: columns, defaults, check, indexes; no triggers, no balances, no audit),
  alternating with our batches so load on the machine hits both alike;
* django-hordak ``transfer_to`` (2 legs) one per transaction — in alternating slices with ``journal_post``, so
  load on the machine hits both alike — and 1 000 per transaction (the like-for-like comparison with our
  batch), run by ``bench/hordak_worker.py`` in its own virtualenv against a scratch database on the same
  server. The virtualenv is ``HORDAK_PYTHON`` if set, else ``var/bench/hordak-venv``, which the bench builds
  itself when missing (``HORDAK_PINS``: pinned Django, django-hordak and psycopg, from the package index pip is
  configured with), so the comparison runs from a fresh clone;
* reconciliation of 1M statement lines (``reconcile.statement_import`` on a generated statement).

``BENCH_FUNDS_ONLY=reconcile`` (or ``ledger``, or ``single``: journal_post against hordak only) runs only that part;
``BENCH_FUNDS_SLICES`` (10) is the number of alternating slices of the single-post comparison;
``BENCH_FUNDS_RECONCILE_LINES`` sets the statement's size (default 1 000 000).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from bench import Figure, scratch_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HORDAK_VENV = ROOT / "var" / "bench" / "hordak-venv"
HORDAK_PINS = ("Django==5.2.19", "django-hordak==2.0.0", "psycopg[binary]==3.3.9")
SLICES = int(os.environ.get("BENCH_FUNDS_SLICES", "10"))
SINGLE = int(os.environ.get("BENCH_FUNDS_SINGLE", "1000"))
BATCHES = int(os.environ.get("BENCH_FUNDS_BATCHES", "20"))
BATCH_SIZE = int(os.environ.get("BENCH_FUNDS_BATCH_SIZE", "1000"))
ONLY = os.environ.get("BENCH_FUNDS_ONLY", "").strip()
RECONCILE_LINES = int(os.environ.get("BENCH_FUNDS_RECONCILE_LINES", "1000000"))


def _accounts(n: int) -> tuple[object, list[object]]:
    from shuangjian.funds.models import AccountKind, LedgerAccount

    cash = LedgerAccount.objects.create(key="cash:bench", kind=AccountKind.CUSTODY_CASH)
    parents = LedgerAccount.objects.bulk_create(
        [LedgerAccount(key=f"prepaid:bench:{i}", kind=AccountKind.PARENT_PREPAID) for i in range(n)]
    )
    return cash, parents


def _make_copy_table() -> None:
    """A table of the posting table's shape — same columns, types, defaults, check and indexes — with none of
    the ledger's triggers: what a raw COPY of postings costs without any validation."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy_posting")
        if connection.vendor == "postgresql":
            cur.execute("CREATE TABLE bench_copy_posting (LIKE funds_posting INCLUDING ALL)")
            cur.execute("DROP TABLE IF EXISTS bench_copy_entry, bench_copy_posting2")
            cur.execute("CREATE TABLE bench_copy_entry (LIKE funds_journalentry INCLUDING ALL)")
            cur.execute("CREATE TABLE bench_copy_posting2 (LIKE funds_posting INCLUDING ALL)")
        else:
            cur.execute(
                "CREATE TABLE bench_copy_posting (id integer PRIMARY KEY AUTOINCREMENT, entry_id bigint NOT NULL, "
                "account_id bigint NOT NULL, amount_fen bigint NOT NULL)"
            )
            cur.execute("CREATE INDEX bench_copy_posting_entry ON bench_copy_posting (entry_id)")
            cur.execute("CREATE INDEX bench_copy_posting_account ON bench_copy_posting (account_id)")


def _copy_entries_and_postings(entries: list[tuple[object, ...]], rows: list[tuple[int, int, int]]) -> float:
    """PostgreSQL: seconds to COPY the entry rows and the posting rows, in one transaction, into tables of the
    ledger's two tables' shapes (no triggers): everything the ledger writes, without any of its checks."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        raw = cur.cursor
        with raw.copy(
            "COPY bench_copy_entry (id, kind, reference, memo, business_date, division_code, bank_reference, "
            "created_at) FROM STDIN"
        ) as copy:
            for row in entries:
                copy.write_row(row)
        with raw.copy("COPY bench_copy_posting2 (entry_id, account_id, amount_fen) FROM STDIN") as copy:
            for posting in rows:
                copy.write_row(posting)
    return time.perf_counter() - start


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend process (0 when it cannot be read).

    With the bench's own process time this gives CPU time per posting, which a busy machine does not inflate
    the way it inflates wall-clock time: the database runs on this machine, so /proc shows its backend.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu() -> float:
    return time.process_time() + _backend_cpu()


def _copy_chunk(vendor: str, rows: list[tuple[int, int, int]]) -> float:
    """Seconds to load ``rows`` in one transaction by COPY (executemany on SQLite)."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if vendor == "postgresql":
            raw = cur.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy("COPY bench_copy_posting (entry_id, account_id, amount_fen) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(
                "INSERT INTO bench_copy_posting (entry_id, account_id, amount_fen) VALUES (%s, %s, %s)", rows
            )
    return time.perf_counter() - start


def hordak_python() -> str:
    """The interpreter of the django-hordak virtualenv: ``HORDAK_PYTHON``, or ``var/bench/hordak-venv`` built here
    (with ``HORDAK_PINS``) when it does not exist yet. Raises ``RuntimeError`` when it cannot be built."""
    configured = os.environ.get("HORDAK_PYTHON", "")
    if configured:
        if not Path(configured).exists():
            raise RuntimeError(f"HORDAK_PYTHON={configured}: no such interpreter")
        return configured
    python = HORDAK_VENV / "bin" / "python"
    stamp = HORDAK_VENV / ".installed"
    wanted = "\n".join(HORDAK_PINS)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    print(f"(building the django-hordak virtualenv at {HORDAK_VENV}: {' '.join(HORDAK_PINS)})", file=sys.stderr)
    HORDAK_VENV.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(HORDAK_VENV)], check=True, timeout=600)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *HORDAK_PINS],
            check=True,
            timeout=1800,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"could not build the django-hordak virtualenv: {exc}") from exc
    stamp.write_text(wanted)
    return str(python)


@contextmanager
def _hordak_database() -> Iterator[str]:
    """A fresh database for hordak on the server Django uses (dropped afterwards); yields its URL."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    name = f"{s['NAME']}_hordak"[:60]
    admin = f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _hordak(n: int) -> dict[str, float] | str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "hordak comparison needs PostgreSQL"
    try:
        python = hordak_python()
    except RuntimeError as exc:
        return str(exc)
    try:
        with _hordak_database() as url:
            out = subprocess.run(
                [python, str(HERE / "hordak_worker.py"), url, str(n)],
                capture_output=True,
                text=True,
                timeout=1800,
                check=True,
            )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    except (subprocess.SubprocessError, ValueError) as exc:
        return f"hordak worker failed: {exc}"


class _HordakServer:
    """``hordak_worker.py serve`` in its own process: ``transfers(k)`` runs k transfers, one per transaction, and
    returns the seconds they took."""

    def __init__(self, python: str, url: str) -> None:
        self.proc = subprocess.Popen(
            [python, str(HERE / "hordak_worker.py"), url, "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            self.proc.kill()
            raise RuntimeError("hordak worker did not start")

    def transfers(self, count: int) -> tuple[float, float]:
        """(wall seconds, CPU seconds of the worker and its database backend) for ``count`` transfers."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{count}\n")
        self.proc.stdin.flush()
        wall, cpu = self.proc.stdout.readline().split()
        return float(wall), float(cpu)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _single_posts(cash: object, parents: list[object], count: int, first: int) -> tuple[float, float]:
    """Seconds for ``count`` journal_post calls, one entry per transaction, and the seconds of that spent inside
    ``audit_record`` (0 on PostgreSQL, where the entry's statement appends its audit event itself)."""
    from shuangjian.funds import ledger
    from shuangjian.funds.ledger import post as post_module
    from shuangjian.funds.models import EntryKind

    real = post_module.audit_record
    spent = [0.0]

    def timed(**kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return real(**kwargs)  # type: ignore[arg-type]
        finally:
            spent[0] += time.perf_counter() - started

    post_module.audit_record = timed  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        for i in range(first, first + count):
            ledger.journal_post(
                actor=None, kind=EntryKind.PAYMENT_IN, lines=[(cash, 100), (parents[i % 200], -100)], reference=f"s{i}"
            )
        return time.perf_counter() - start, spent[0]
    finally:
        post_module.audit_record = real


def _single_figures(cash: object, parents: list[object]) -> tuple[float, list[Figure]]:
    """journal_post one entry per transaction; on PostgreSQL in alternating slices with hordak's transfer_to."""
    from django.db import connection

    vendor = connection.vendor
    hordak: _HordakServer | None = None
    note = ""
    if vendor == "postgresql":
        try:
            python = hordak_python()
        except RuntimeError as exc:
            note = str(exc)
    else:
        note = "hordak comparison needs PostgreSQL"
    figures: list[Figure] = []
    with _hordak_database() if not note else nullcontext("") as url:
        if url:
            hordak = _HordakServer(python, url)
        try:
            step = max(1, SINGLE // SLICES)
            ours = audit = theirs = ours_cpu = theirs_cpu = 0.0
            done = 0
            # Warm-up, not timed: both sides' first transactions pay for connections and plans.
            _single_posts(cash, parents, 20, first=-20)
            if hordak is not None:
                hordak.transfers(20)
            while done < SINGLE:
                cpu = _cpu()
                seconds, in_audit = _single_posts(cash, parents, step, first=done)
                ours_cpu += _cpu() - cpu
                ours += seconds
                audit += in_audit
                if hordak is not None:
                    wall, their_cpu = hordak.transfers(step)
                    theirs += wall
                    theirs_cpu += their_cpu
                done += step
        finally:
            if hordak is not None:
                hordak.close()
    single = 2 * done / ours
    figures.append((f"journal_post, 1 entry per transaction ({vendor})", round(single), "postings/s"))
    # On PostgreSQL the audit event is part of the post's one statement (no audit_record call to time).
    if audit:
        figures.append(("journal_post: share of its time inside audit_record", round(audit / ours, 3), "x"))
        figures.append(
            ("journal_post without its audit event (estimate)", round(2 * done / (ours - audit)), "postings/s")
        )
    if hordak is not None and theirs:
        legs = 2 * done / theirs
        figures.append(("django-hordak transfer_to, 1 per transaction, alternating slices", round(legs), "legs/s"))
        figures.append(
            (
                "journal_post / hordak transfer_to, both 1 per transaction, alternating",
                round(single / legs, 2),
                "x (goal >= 2)",
            )
        )
        if audit:
            figures.append(
                ("journal_post without audit / hordak (estimate)", round(2 * done / (ours - audit) / legs, 2), "x")
            )
        if ours_cpu > 0 and theirs_cpu > 0:
            figures.append(
                (
                    "journal_post / hordak by CPU time (client + its database backend)",
                    round(theirs_cpu / ours_cpu, 2),
                    "x",
                )
            )
    elif note:
        print(f"hordak: skipped: {note}", file=sys.stderr)
    return single, figures


def run() -> list[Figure]:
    if ONLY not in ("", "ledger", "reconcile", "single"):
        raise ValueError(f"BENCH_FUNDS_ONLY={ONLY!r}: expected ledger, single or reconcile")
    if ONLY == "single":
        with scratch_database():
            cash, parents = _accounts(200)
            return _single_figures(cash, parents)[1]
    figures = _ledger_figures() if ONLY in ("", "ledger") else []
    if ONLY in ("", "reconcile"):
        figures += _reconcile_figures()
    return figures


def _ledger_figures() -> list[Figure]:
    from django.db import connection

    from shuangjian.funds import ledger
    from shuangjian.funds.models import EntryKind

    vendor = connection.vendor
    figures: list[Figure] = []
    with scratch_database():
        cash, parents = _accounts(200)

        single, single_figures = _single_figures(cash, parents)
        figures += single_figures

        # Our batches and the raw COPY alternate, one transaction each of the same size, so a busy machine
        # slows both alike and the ratio stays meaningful.
        _make_copy_table()
        ours = raw = ours_cpu = raw_cpu = raw_both = 0.0
        today, now = datetime.date.today(), datetime.datetime.now(datetime.UTC)
        for b in range(BATCHES):
            specs = [
                ledger.EntrySpec(EntryKind.PAYMENT_IN, [(cash, 100), (parents[i % 200], -100)], reference=f"b{b}.{i}")
                for i in range(BATCH_SIZE)
            ]
            rows = [
                (b * BATCH_SIZE + i, parents[i % 200].pk if k else cash.pk, -100 if k else 100)
                for i in range(BATCH_SIZE)
                for k in (0, 1)
            ]
            cpu, start = _cpu(), time.perf_counter()
            ledger.journal_post_batch(actor=None, entries=specs)
            ours += time.perf_counter() - start
            ours_cpu += _cpu() - cpu
            cpu = _cpu()
            raw += _copy_chunk(vendor, rows)
            raw_cpu += _cpu() - cpu
            if vendor == "postgresql":
                entry_rows = [
                    (b * BATCH_SIZE + i, "payment_in", f"b{b}.{i}", "", today, "", "", now) for i in range(BATCH_SIZE)
                ]
                raw_both += _copy_entries_and_postings(entry_rows, rows)
        postings = 2 * BATCHES * BATCH_SIZE
        batch, copy = postings / ours, postings / raw
        figures.append(
            (f"journal_post_batch, {BATCH_SIZE} entries per transaction ({vendor})", round(batch), "postings/s")
        )
        problems = ledger.ledger_invariant_problems()
        if problems:
            raise AssertionError(problems[:5])

        label = "COPY" if vendor == "postgresql" else "executemany INSERT"
        figures.append(
            (
                f"raw {label} of the same postings, {2 * BATCH_SIZE} rows per transaction, into a table of the "
                f"posting table's shape ({vendor})",
                round(copy),
                "rows/s",
            )
        )
        figures.append(("journal_post_batch / raw " + label, round(batch / copy, 3), "x (goal >= 0.3)"))
        if ours_cpu > 0 and raw_cpu > 0:
            figures.append(
                ("journal_post_batch, CPU time (client + database)", round(postings / ours_cpu), "postings/CPU-s")
            )
            figures.append(("raw " + label + ", CPU time (client + database)", round(postings / raw_cpu), "rows/CPU-s"))
            figures.append(("journal_post_batch / raw " + label + " by CPU time", round(raw_cpu / ours_cpu, 3), "x"))
        figures.append(("journal_post / raw " + label, round(single / copy, 4), "x"))
        if raw_both:
            both = postings / raw_both
            label_both = "raw COPY of the same entries and postings into tables of the ledger's shape"
            figures.append((label_both, round(both), "postings/s"))
            figures.append(("journal_post_batch / raw COPY of entries and postings", round(batch / both, 3), "x"))

    hordak = _hordak(SINGLE)
    if isinstance(hordak, str):
        print(f"hordak: skipped: {hordak}", file=sys.stderr)
    else:
        figures.append(
            ("django-hordak transfer_to, 1 per transaction, on its own", round(hordak["legs_per_s"]), "legs/s")
        )
        figures.append(
            ("django-hordak with a balance read first", round(hordak["legs_per_s_with_balance_read"]), "legs/s")
        )
        grouped = hordak["legs_per_s_1000_per_transaction"]
        figures.append(("django-hordak transfer_to, 1 000 per transaction", round(grouped), "legs/s"))
        figures.append(
            ("journal_post_batch / hordak, both 1 000 per transaction", round(batch / grouped, 1), "x (goal >= 10)")
        )

    return figures


def _reconcile_figures() -> list[Figure]:
    with scratch_database():
        return _bench_reconcile(lines=RECONCILE_LINES)


def _bench_reconcile(lines: int) -> list[Figure]:
    """Import a generated statement of ``lines`` lines against a ledger that books all but one of them (plus one
    the bank lacks and one amount the bank shows differently): a realistic day. Setup is not timed."""
    import csv
    import io

    from django.utils import timezone

    from shuangjian.funds import ledger
    from shuangjian.funds.models import EntryKind
    from shuangjian.funds.reconcile import COLUMNS, statement_import
    from shuangjian.funds.tests.factories import BankFactory

    bank = BankFactory.create(code=f"benchrec{int(time.time())}")
    cash = ledger.account_bank_unallocated_cash(bank)
    suspense = ledger.account_suspense(bank)
    day = timezone.localdate()

    def amount(i: int) -> int:
        return 100 + i % 50

    setup = time.perf_counter()
    for start in range(0, lines + 1, 20_000):
        ledger.journal_post_batch(
            actor=None,
            entries=[
                ledger.EntrySpec(
                    kind=EntryKind.SUSPENSE_IN,
                    lines=[(cash, amount(i)), (suspense, -amount(i))],
                    bank=bank,
                    bank_reference=f"{bank.code}R{i:09d}",
                    business_date=day,
                )
                # Entry ``lines`` is on the ledger only (missing at bank); line 0 is on the statement only.
                for i in range(max(start, 1), min(start + 20_000, lines + 1))
            ],
        )
    setup = time.perf_counter() - setup
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in range(lines):
        fen = amount(i) + (1 if i == 7 else 0)
        writer.writerow([f"{bank.code}R{i:09d}", day.isoformat(), f"{fen // 100}.{fen % 100:02d}", "", "", ""])
    content = text.getvalue().encode()
    started = time.perf_counter()
    result = statement_import(actor=None, bank=bank, content=content, file_name="bench.csv", statement_date=day)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = statement_import(actor=None, bank=bank, content=content, file_name="bench.csv", statement_date=day)
    repeat = time.perf_counter() - started
    assert result.matched == lines - 2 and result.discrepancies == 3 and not again.created, result
    return [
        (f"reconcile {lines} statement lines, all but 3 matched (import + match + cases)", round(elapsed, 1), "s"),
        ("reconcile lines per second", round(lines / elapsed), "lines/s"),
        ("reconcile re-import of the same file (no-op)", round(repeat * 1000, 1), "ms"),
        (f"(setup, not part of the figure: {lines} ledger entries by journal_post_batch)", round(setup, 1), "s"),
    ]
