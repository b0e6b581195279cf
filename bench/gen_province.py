"""Province-scale data: institutions and everything that hangs off them, written with COPY (PostgreSQL only).

Usage (writes into the already-migrated database DATABASE_URL points at)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuangjian_bench .venv/bin/python -m bench.gen_province 20000
    ... python -m bench.gen_province 180000 --offset 20000     # grow the same province to 200,000

Prints one JSON line: ``{"institutions", "seconds", "counts": {table: rows written}, ...}``. From Python (the page
walk imports it, inside a django-setup process): ``generate(institutions=20000, offset=0, seed=2026)``.

Repeatable: institution number ``n`` (``offset`` ≤ n < ``offset + institutions``) draws everything about itself
from its own ``random.Random(f"{seed}:{n}")``, so the data of institution n does not depend on how the run was
split (20k then +180k = 200k at once). Database ids continue after the highest id each table holds.

Where it goes: the real Henan divisions (``load_divisions`` data) of seven cities — 郑州 4101, 开封 4102, 洛阳 4103,
新乡 4107, 许昌 4110, 南阳 4113, 周口 4116 — and all their counties; a county's share of institutions follows its
number of townships, doubled for urban districts (区). Each township gets one grid cell with one grid officer
(``GridAssignment``) who files 30 days of daily reports (written once, on the first run that finds no cells).

Proportions (means; drawn per institution):

============================ ==================================================================================
per institution               1.3 sites, 6 staff (person + employment; 70 % of trainers with a teacher
                              certificate), 0.1 public reports, 0.02 penalty cases, 2 enforcement inspections
                              this year (10 % of them with a rectification notice), 0.7 annual inspection of
                              last year (licensed ones), 0.5 % on the black list
per licensed institution      (88 % are licensed) 8 courses, 12 class groups, 8 sessions per class group (4 past,
                              4 coming), 25 students, 50 enrolments (2 per student)
per enrolment, bank custody   (80 % of licensed) 2–4 journal entries: the payment in, then 1–3 lessons released
                              (each with its confirmed consumption request); plus one payout per institution
ledger accounts               cash, settled per institution; prepaid per enrolment; balances = their postings
audit events                  one per institution registered, per payment, per release batch, per payout, per
                              inspection, notice, case and report: a valid hash chain continuing the head
============================ ==================================================================================

How: one transaction per chunk of institutions; each table is written by one ``COPY ... FROM STDIN`` per chunk
(psycopg's ``cursor.copy()``), in foreign-key order. Kept on: the ledger's statement triggers and its deferred
commit check run on every chunk (entry ids are consecutive and every entry's postings are in the same COPY, which
is the check's fast path), the append-only triggers, every unique index and check constraint; the audit chain's
head row is locked and advanced as ``audit_record`` does. Changed for the load and restored (see "foreign keys"
and "indexes" below; a killed run is repaired by the next): the per-row foreign-key check triggers of the written
tables are disabled (superuser only; otherwise they stay on) and every foreign key of the written rows is proved
set-based afterwards; a large load drops the biggest tables' secondary indexes and rebuilds them. Afterwards the
id sequences are moved past the ids written, the per-county counters (contract numbers, notice and case numbers)
past the numbers used, and the written tables are VACUUM ANALYZEd.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

NULL = "\\N"
THREE_DAYS = datetime.timedelta(days=3)
CITIES = ("4101", "4102", "4103", "4107", "4110", "4113", "4116")
CHUNK = 1000  # institutions per transaction
GRID_DAYS = 30

WORDS = "启明 博雅 星辰 育才 明德 新航 智慧 阳光 蓝天 书香 未来 远航 晨曦 青苗 卓越 睿思 乐学 思源 创想 翰墨".split()
KINDS = ["培训学校", "艺术培训中心", "体育俱乐部", "科技教育中心", "教育咨询有限公司"]
SURNAMES = "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗".split()
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 华 梅 鑫 宇 浩 欣 怡 晨".split()
ROADS = "人民路 建设路 文化路 中原路 解放路 花园路 黄河路 金水路 大学路 新华路".split()
GRADES = ["三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"]
SUBJECTS = ["math", "english", "chinese", "physics", "chemistry"]
SUBJECT_NAMES = {"math": "数学", "english": "英语", "chinese": "语文", "physics": "物理", "chemistry": "化学"}
FIELD_COURSES = {"sports": ["篮球", "游泳", "跆拳道"], "arts": ["钢琴", "美术", "舞蹈"], "science": ["编程", "机器人"]}
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # complaints.rules tracking codes
BANKS = (("gen-icbc", "中国工商银行河南省分行"), ("gen-ccb", "中国建设银行河南省分行"), ("gen-boc", "中原银行"))


def setup_django() -> None:
    from bench.gen_registry import setup_django as setup

    setup()


# ------------------------------------------------------------------------------------------------ audit events
#
# The one place that knows how an audit event is chained (core/audit.py: ``audit_chain_for``, ``content_digest``,
# ``link_hash`` and ``audit_record``). Every event the generator writes is about a record of one institution (the
# institution itself, its journal entries, inspections, notices, cases, reports: each holds ``institution_id``),
# so ``audit_record`` would put it on that institution's chain ``i:<id>``; so does this.


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class AuditWriter:
    """Appends events to their institutions' audit chains inside the current transaction, as ``audit_record`` does.

    ``add`` computes each event's content digest (version 2: everything but the position and the link); ``flush``
    locks (or starts) the head of every chain touched, in one statement, links the events to those heads in the
    order they were added, writes them with one COPY (``seq`` from the table's sequence, as ``audit_record``
    leaves it) and moves every head in one more statement.
    """

    COLUMNS = (
        "created_at actor_id actor_username role action object_type object_id division_code before after ip "
        "chain chain_seq version prev_hash hash"
    ).split()

    def __init__(self, cursor: Any) -> None:
        from shuangjian.core.audit import GENESIS_HASH, link_hash

        self.genesis: str = GENESIS_HASH
        self.link: Callable[[str, int, str], str] = link_hash
        self.cursor = cursor
        # (chain, created_at, action, object_type, object_id, division_code, after as JSON text, content digest)
        self.pending: list[tuple[str, datetime.datetime, str, str, str, str, str | None, str]] = []
        self.clock = datetime.datetime.now(UTC).replace(microsecond=0)

    def add(
        self,
        *,
        institution_id: int,
        action: str,
        object_type: str,
        object_id: int | str,
        division_code: str,
        after: dict[str, Any] | None,
    ) -> None:
        self.clock += datetime.timedelta(microseconds=37)
        chain = f"i:{institution_id}"
        payload = {
            "v": 2,
            "chain": chain,
            "created_at": self.clock.isoformat(timespec="microseconds"),
            "actor_id": None,
            "actor_username": "",
            "role": "system",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "division_code": division_code,
            "before": None,
            "after": after,
            "ip": None,
        }
        digest = hashlib.sha256(_canonical(payload).encode()).hexdigest()
        stored_after = None if after is None else json.dumps(after, ensure_ascii=False)
        self.pending.append(
            (chain, self.clock, action, object_type, str(object_id), division_code, stored_after, digest)
        )

    def flush(self) -> int:
        n = len(self.pending)
        if not n:
            return 0
        chains = sorted({row[0] for row in self.pending})
        # Lock every head touched (a chain not yet written gets its empty head), as audit_chain_lock does.
        self.cursor.execute(
            "INSERT INTO core_auditchainhead AS h (chain, last_seq, last_hash, prev_hash)"
            " SELECT c, 0, %s, %s FROM unnest(%s::text[]) AS c"
            " ON CONFLICT (chain) DO UPDATE SET last_seq = h.last_seq"
            " RETURNING chain, last_seq, last_hash, prev_hash",
            [self.genesis, self.genesis, chains],
        )
        heads = {chain: [seq, last, prev] for chain, seq, last, prev in self.cursor.fetchall()}
        rows = []
        for chain, created, action, object_type, object_id, cc, after, digest in self.pending:
            head = heads[chain]
            seq, prev = head[0] + 1, head[1]
            digest_hash = self.link(prev, seq, digest)
            head[0], head[1], head[2] = seq, digest_hash, prev
            rows.append(
                (
                    created,
                    None,
                    "",
                    "system",
                    action,
                    object_type,
                    object_id,
                    cc,
                    None,
                    after,
                    None,
                    chain,
                    seq,
                    2,
                    prev,
                    digest_hash,
                )
            )
        copy_rows(self.cursor, "core_auditevent", self.COLUMNS, rows)
        self.cursor.execute(
            "UPDATE core_auditchainhead AS h SET last_seq = v.seq, last_hash = v.last, prev_hash = v.prev"
            " FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[]) AS v(chain, seq, last, prev)"
            " WHERE h.chain = v.chain",
            [chains, [heads[c][0] for c in chains], [heads[c][1] for c in chains], [heads[c][2] for c in chains]],
        )
        self.pending = []
        return n


# ------------------------------------------------------------------------------------------------ COPY


def _text(value: Any) -> str:
    # COPY's text format. The generator's values never hold a tab, a newline or a backslash (fixed vocabularies,
    # numbers, dates, JSON without escapes), so nothing needs escaping: 4× faster than psycopg's write_row.
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        buffer: list[str] = []
        for row in rows:
            # The hottest tables hand their rows in already formatted (see ``Tables.add``).
            buffer.append(row if isinstance(row, str) else "\t".join(map(_text, row)))
            if len(buffer) >= 20000:
                buffer.append("")
                copy.write("\n".join(buffer))
                buffer = []
        if buffer:
            buffer.append("")
            copy.write("\n".join(buffer))


@dataclass
class Tables:
    """Rows of one chunk, per table, in the order they are written (parents before children)."""

    columns: dict[str, list[str]]
    rows: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...] | str) -> None:
        """A row as a tuple of values, or as one line of COPY text (tab-separated, ``\\N`` for NULL)."""
        self.rows.setdefault(table, []).append(row)


COLUMNS: dict[str, list[str]] = {
    "registry_institution": (
        "id name uscc category field licensed_subjects legal_form legal_rep_name legal_rep_id address division_code "
        "township_code grid_code phone training_format status licence_no licence_issued_on licence_expires_on "
        "approving_department supervision_mode created_at updated_at name_key"
    ).split(),
    "registry_site": (
        "id name address division_code township_code usable_area_m2 floor is_basement in_residential_building "
        "lease_start lease_end serves_children_12_or_under is_active institution_id"
    ).split(),
    "staff_person": "id name resident_id phone created_at updated_at".split(),
    "staff_employment": (
        "id external_id role start subjects field division_code created_at updated_at institution_id person_id"
    ).split(),
    "staff_qualification": "id kind number subject level field name issued_on created_at person_id".split(),
    "courses_course": (
        "id external_id name category subject field grades format lesson_minutes lesson_count price_per_lesson_fen "
        "class_size_tier description division_code is_active created_at institution_id"
    ).split(),
    "courses_classgroup": (
        "id external_id name trainer_ids capacity enrolled_count division_code site_id course_id"
    ).split(),
    "courses_session": "id external_id starts_at ends_at division_code is_cancelled class_group_id".split(),
    "students_student": (
        "id name resident_id school_roll_no grade school_name school_code division_code created_at"
    ).split(),
    "students_enrolment": (
        "id external_id start_date end_date lessons_bought price_per_lesson_fen total_fee_fen status contract_no "
        "contract_confirmed_at division_code created_at class_group_id institution_id student_id binding_code"
    ).split(),
    "funds_custodyaccount": (
        "id account_no account_name settlement_account_no settlement_account_name settlement_bank_name opened_on "
        "is_active division_code created_at bank_id institution_id"
    ).split(),
    "funds_ledgeraccount": (
        "id key kind balance_fen division_code created_at updated_at enrolment_id institution_id"
    ).split(),
    "funds_journalentry": (
        "id kind reference bank_reference memo business_date created_at division_code bank_id enrolment_id "
        "institution_id"
    ).split(),
    "funds_posting": "id entry_id account_id amount_fen".split(),
    "funds_consumptionrequest": (
        "id amount_fen status requested_at due_date answered_at dispute_reason decision_note division_code "
        "enrolment_id institution_id session_id release_entry_id"
    ).split(),
    "registry_annualinspection": "id year result inspected_on note division_code institution_id".split(),
    "registry_blacklistentry": (
        "id reason legal_basis start end department division_code created_at publisher_id institution_id"
    ).split(),
    "enforcement_inspection": (
        "id subject_kind subject_name division_code township_code department kind status source source_ref "
        "joint_departments planned_on inspected_at place summary inspector_signatures party_signature "
        "party_refused_to_sign client_uuid created_at completed_at created_by_id institution_id"
    ).split(),
    "enforcement_rectificationnotice": (
        "id subject_kind subject_name division_code township_code department number year seq status requirements "
        "issued_on working_days deadline closed_at escalation_reason reminders inspection_id institution_id "
        "issued_by_id"
    ).split(),
    "enforcement_penaltycase": (
        "id subject_kind subject_name division_code township_code department stage stage_before_suspension filing_no "
        "source_notice_ref violation severity illegal_income_fen act_on serious_harm in_service_teacher obstruction "
        "facts basis proposal measures fine_fen confiscated_fen stop_months restriction_years departure_reason "
        "hearing_right filed_on defence_text hearing_held hearing_record decide_by extension_days extension_reason "
        "surcharge_fen close_reason publication_summary created_at created_by_id institution_id"
    ).split(),
    "complaints_report": (
        "id code channel category institution_name address division_code description phone status level department "
        "refuse_reason no_check_reason answer rating_comment dispute_reason received_at acknowledged_at closed_at "
        "due_on answer_due_on updated_at institution_id source_ref"
    ).split(),
}


# ------------------------------------------------------------------------------------------------ the province


@dataclass
class County:
    code: str
    name: str
    short: str
    city_name: str
    townships: list[str]
    weight: float


@dataclass
class World:
    """What every chunk needs: counties, users, banks, next ids and per-county counters."""

    counties: list[County]
    cum_weights: list[float]
    cells: dict[str, str]  # township → grid cell code
    inspector: dict[str, int]  # county → inspector user id
    regulator: dict[str, int]  # city → regulator user id
    banks: list[int]
    next_id: dict[str, int]
    contract_no: dict[str, int]  # "<county>-<year>" → last number
    notice_no: dict[str, int]  # county → last number this year
    case_no: dict[str, int]  # county → last number this year
    today: datetime.date
    year: int

    def take(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "区县市" else name


def ensure_divisions() -> None:
    from django.core.management import call_command

    from shuangjian.core.models import Division

    if (
        Division.objects.filter(code__in=CITIES).count() < len(CITIES)
        or not Division.objects.filter(code__startswith="4101", level="township").exists()
    ):
        call_command("load_divisions", provinces="41", verbosity=0, stdout=io.StringIO())


def _users(usernames: dict[str, dict[str, str]]) -> dict[str, int]:
    """Staff accounts the generated records name (inspectors, regulators, grid officers): created once, unusable
    passwords; the page walk signs in with accounts of its own."""
    from django.contrib.auth.hashers import make_password

    from shuangjian.core.models import User

    have = dict(User.objects.filter(username__in=list(usernames)).values_list("username", "pk"))
    missing = [
        User(username=u, password=make_password(None), **fields) for u, fields in usernames.items() if u not in have
    ]
    if missing:
        User.objects.bulk_create(missing, batch_size=1000)
        have = dict(User.objects.filter(username__in=list(usernames)).values_list("username", "pk"))
    return have


def build_world(cursor: Any, seed: int) -> World:
    from django.db import transaction

    from shuangjian.core.models import Department, Division, DivisionLevel, Role
    from shuangjian.funds.models import Bank

    ensure_divisions()
    cities = dict(Division.objects.filter(code__in=CITIES).values_list("code", "name"))
    towns: dict[str, list[str]] = {}
    for code, parent in (
        Division.objects.filter(level=DivisionLevel.TOWNSHIP, parent__parent_id__in=CITIES)
        .order_by("code")
        .values_list("code", "parent_id")
    ):
        towns.setdefault(parent, []).append(code)
    counties = []
    for code, name, parent in (
        Division.objects.filter(level=DivisionLevel.COUNTY, parent_id__in=CITIES)
        .order_by("code")
        .values_list("code", "name", "parent_id")
    ):
        if code not in towns:
            continue
        weight = len(towns[code]) * (2.0 if name.endswith("区") else 1.0)
        counties.append(County(code, name, _short(name), cities[parent], towns[code], weight))
    cum: list[float] = []
    total = 0.0
    for c in counties:
        total += c.weight
        cum.append(total)

    with transaction.atomic():
        bank_ids = []
        for code, name in BANKS:
            bank, _created = Bank.objects.get_or_create(
                code=code, defaults={"name": name, "notification_secret": f"gen-{code}-secret", "division_code": "41"}
            )
            bank_ids.append(bank.pk)
        wanted: dict[str, dict[str, str]] = {}
        for c in counties:
            wanted[f"gen_insp_{c.code}"] = {
                "role": Role.INSPECTOR,
                "scope_code": c.code,
                "department": Department.EDUCATION,
                "display_name": f"{c.short}执法员",
            }
        for city in CITIES:
            wanted[f"gen_reg_{city}"] = {
                "role": Role.REGULATOR,
                "scope_code": city,
                "department": Department.EDUCATION,
                "display_name": f"{cities[city]}教育局",
            }
        users = _users(wanted)
        cells = ensure_grid(cursor, counties, seed)

    cursor.execute("SELECT EXTRACT(YEAR FROM now() AT TIME ZONE 'Asia/Shanghai')::int")
    year = int(cursor.fetchone()[0])
    today = datetime.date.today()
    next_id = {}
    for table in COLUMNS:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        next_id[table] = int(cursor.fetchone()[0])
    cursor.execute("SELECT key, last_no FROM students_contractcounter WHERE key LIKE %s", [f"41%-{year}"])
    contract_no = {k: int(v) for k, v in cursor.fetchall()}
    cursor.execute(
        "SELECT issuer, last_no FROM core_documentsequence WHERE year = %s AND kind = 'rectification'", [year]
    )
    notice_no = {issuer.split(":", 1)[1]: int(v) for issuer, v in cursor.fetchall()}
    cursor.execute(
        "SELECT issuer, last_no FROM core_documentsequence WHERE year = %s AND kind = 'penalty_filing'", [year]
    )
    case_no = {issuer.split("-", 1)[0]: int(v) for issuer, v in cursor.fetchall()}
    return World(
        counties=counties,
        cum_weights=cum,
        cells=cells,
        inspector={c.code: users[f"gen_insp_{c.code}"] for c in counties},
        regulator={city: users[f"gen_reg_{city}"] for city in CITIES},
        banks=bank_ids,
        next_id=next_id,
        contract_no=contract_no,
        notice_no=notice_no,
        case_no=case_no,
        today=today,
        year=year,
    )


def ensure_grid(cursor: Any, counties: list[County], seed: int) -> dict[str, str]:
    """One cell per township, one officer per cell, 30 days of daily reports — once per database."""
    from shuangjian.core.models import Division, GridAssignment, GridCell, Role

    townships = [t for c in counties for t in c.townships]
    cells = {t: f"{t}001" for t in townships}
    if GridCell.objects.filter(code=cells[townships[0]]).exists():
        return cells
    names = dict(Division.objects.filter(code__in=townships).values_list("code", "name"))
    GridCell.objects.bulk_create(
        [GridCell(code=cells[t], name=f"{names[t]}第一网格", township_id=t) for t in townships], batch_size=2000
    )
    county_of = {t: c.code for c in counties for t in c.townships}
    officers = _users(
        {
            f"gen_grid_{cells[t]}": {
                "role": Role.GRID_OFFICER,
                "scope_code": county_of[t],
                "display_name": f"{names[t]}网格员",
            }
            for t in townships
        }
    )
    today = datetime.date.today()
    start = today - datetime.timedelta(days=GRID_DAYS + 30)
    GridAssignment.objects.bulk_create(
        [GridAssignment(officer_id=officers[f"gen_grid_{cells[t]}"], cell_id=cells[t], start=start) for t in townships],
        batch_size=2000,
    )
    rng = random.Random(f"{seed}:grid")
    rows = []
    for t in townships:
        officer = officers[f"gen_grid_{cells[t]}"]
        for back in range(1, GRID_DAYS + 1):
            if rng.random() < 0.08:  # a missed day: what the reminders chase
                continue
            day = today - datetime.timedelta(days=back)
            zero = rng.random() < 0.85
            submitted = datetime.datetime.combine(day, datetime.time(9 + rng.randint(0, 8)), tzinfo=UTC)
            rows.append(
                (
                    day,
                    county_of[t],
                    t,
                    cells[t],
                    zero,
                    f"{rng.choice(ROADS)}沿线商铺、小区",
                    "" if zero else "发现疑似学科类培训宣传单",
                    "",
                    submitted,
                    cells[t],
                    officer,
                )
            )
    copy_rows(
        cursor,
        "grid_gridreport",
        "day division_code township_code grid_code is_zero places_patrolled ads_seen note submitted_at cell_id "
        "officer_id".split(),
        rows,
    )
    return cells


# ------------------------------------------------------------------------------------------------ one institution


@functools.lru_cache(maxsize=4096)
def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    # Asia/Shanghai is UTC+8 all year: a local wall-clock time as an aware UTC instant.
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC) + datetime.timedelta(
        hours=-8, minutes=minute
    )


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(10))


def institution(
    n: int,
    seed: int,
    w: World,
    t: Tables,
    audit: AuditWriter,
    make_uscc: Callable[[str], str],
    name_sort_key: Callable[[str], str],
) -> None:
    from shuangjian.core.validators import make_resident_id

    rng = random.Random(f"{seed}:{n}")
    county = w.counties[_pick(w.cum_weights, rng.random() * w.cum_weights[-1])]
    cc = county.code
    township = rng.choice(county.townships)
    now = datetime.datetime.now(UTC)
    today = w.today
    subject = rng.random() < 0.3
    licensed = rng.random() < 0.88
    status = "active" if licensed else "applying"
    if licensed and rng.random() < 0.05:
        status = rng.choice(["suspended", "stopped", "revoked"])
    mode = "none"
    if licensed:
        r = rng.random()
        mode = "bank_custody" if r < 0.8 else ("risk_deposit" if r < 0.95 else "none")
    field_ = "" if subject else rng.choice(["sports", "arts", "science"])
    name = f"{county.city_name}{county.name}{rng.choice(WORDS)}{rng.choice(WORDS)}{KINDS[n % len(KINDS)]}{n}"
    address = f"{county.city_name}{county.name}{rng.choice(ROADS)}{n % 997 + 1}号"
    inst_id = w.take("registry_institution")
    issued = today - datetime.timedelta(days=rng.randint(60, 2500))
    t.add(
        "registry_institution",
        (
            inst_id,
            name,
            make_uscc(f"{'52' if subject else '91'}{cc}{n:08d}"),
            "subject" if subject else "non_subject",
            field_,
            json.dumps(["math", "english"] if subject else []),
            "non_profit" if subject else "company",
            _name(rng),
            "",
            address,
            cc,
            township,
            w.cells.get(township, ""),
            f"0371-{60000000 + n % 39999999}",
            rng.choice(["offline", "offline", "both", "online"]),
            status,
            f"教民{cc}{n:010d}" if licensed else None,
            issued if licensed else None,
            issued + datetime.timedelta(days=rng.randint(1100, 2200)) if licensed else None,
            "education" if subject else {"sports": "sports", "arts": "culture", "science": "science"}[field_],
            mode,
            now,
            now,
            name_sort_key(name),
        ),
    )
    audit.add(
        institution_id=inst_id,
        action="institution.register",
        object_type="registry.institution",
        object_id=inst_id,
        division_code=cc,
        after={"name": name, "status": status},
    )

    # sites
    sites = []
    for s in range(1 + (rng.random() < 0.3)):
        site_id = w.take("registry_site")
        sites.append(site_id)
        t.add(
            "registry_site",
            (
                site_id,
                "总部" if s == 0 else f"第{s + 1}教学点",
                address if s == 0 else f"{county.city_name}{county.name}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
                cc,
                township,
                f"{rng.randint(120, 900)}.00",
                rng.randint(1, 4),
                False,
                False,
                issued - datetime.timedelta(days=30),
                issued + datetime.timedelta(days=rng.randint(700, 2000)),
                rng.random() < 0.5,
                True,
                inst_id,
            ),
        )

    # staff: persons (resident ids unique by the person's id), employments, certificates
    trainers = []
    for k in range(rng.randint(4, 8)):
        pid = w.take("staff_person")
        born = datetime.date(1965, 1, 1) + datetime.timedelta(days=pid // 1000 % 12000)
        rid = make_resident_id(f"{cc}{born:%Y%m%d}{pid % 1000:03d}")
        t.add("staff_person", (pid, _name(rng), rid, f"13{pid % 1000000000:09d}", now, now))
        role = "manager" if k == 0 else ("trainer" if rng.random() < 0.85 else "other")
        subj = rng.choice(SUBJECTS) if subject else ""
        t.add(
            "staff_employment",
            (
                w.take("staff_employment"),
                "",
                role,
                issued + datetime.timedelta(days=rng.randint(0, 300)),
                json.dumps([subj] if subj and role == "trainer" else []),
                field_ if role == "trainer" else "",
                cc,
                now,
                now,
                inst_id,
                pid,
            ),
        )
        if role == "trainer":
            trainers.append(pid)
            if rng.random() < 0.7:
                t.add(
                    "staff_qualification",
                    (
                        w.take("staff_qualification"),
                        "teacher_certificate",
                        f"{born.year}{cc}{pid:010d}",
                        subj or "",
                        rng.choice(["primary", "junior", "senior"]),
                        "",
                        "",
                        born + datetime.timedelta(days=365 * 24),
                        now,
                        pid,
                    ),
                )

    events = 1
    if licensed:
        events += courses_and_students(
            rng, n, w, t, audit, cc, inst_id, sites, trainers, subject, field_, mode, status, issued
        )
        if rng.random() < 0.7:
            t.add(
                "registry_annualinspection",
                (
                    w.take("registry_annualinspection"),
                    w.year - 1,
                    "failed" if rng.random() < 0.03 else "passed",
                    today - datetime.timedelta(days=rng.randint(30, 300)),
                    "",
                    cc,
                    inst_id,
                ),
            )
    if rng.random() < 0.005:
        start = today - datetime.timedelta(days=rng.randint(1, 700))
        t.add(
            "registry_blacklistentry",
            (
                w.take("registry_blacklistentry"),
                "违规收费，拒不整改",
                "《校外培训行政处罚暂行办法》第十七条",
                start,
                None if rng.random() < 0.7 else start + datetime.timedelta(days=rng.randint(200, 900)),
                "education",
                cc,
                now,
                w.regulator[cc[:4]],
                inst_id,
            ),
        )
    enforcement(rng, w, t, audit, cc, township, inst_id, name, address)


def _pick(cum: list[float], x: float) -> int:
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass
class Group:
    """A class group while its institution is built: enrolments fill it up to its capacity."""

    id: int
    course: tuple[int, int, int]  # id, price per lesson (fen), lessons
    past: list[int]  # ids of its sessions before today
    capacity: int
    enrolled: int
    number: int


def courses_and_students(
    rng: random.Random,
    n: int,
    w: World,
    t: Tables,
    audit: AuditWriter,
    cc: str,
    inst_id: int,
    sites: list[int],
    trainers: list[int],
    subject: bool,
    field_: str,
    mode: str,
    status: str,
    issued: datetime.date,
) -> int:
    today = w.today
    now = datetime.datetime.now(UTC)
    # courses and class groups
    courses = []
    for k in range(rng.randint(6, 10)):
        cid = w.take("courses_course")
        if subject:
            subj = rng.choice(SUBJECTS)
            level = rng.randint(3, 6) if rng.random() < 0.5 else rng.randint(7, 9)
            cname = f"{GRADES[level - 3]}{SUBJECT_NAMES[subj]}{'提高' if k % 2 else '培优'}班"
            grades = [GRADES[level - 3]]
        else:
            subj = ""
            cname = f"{rng.choice(FIELD_COURSES[field_])}{'启蒙' if k % 2 else '进阶'}课"
            grades = GRADES[:4]
        price = rng.randrange(3000, 15000, 500)
        lessons = rng.choice([20, 24, 30, 40])
        courses.append((cid, price, lessons))
        t.add(
            "courses_course",
            (
                cid,
                "",
                cname,
                "subject" if subject else "non_subject",
                subj,
                field_,
                json.dumps(grades, ensure_ascii=False),
                "offline",
                rng.choice([45, 60, 90]),
                lessons,
                price,
                rng.choice(["small", "medium", "large"]),
                "",
                cc,
                True,
                now,
                inst_id,
            ),
        )
    groups: list[Group] = []
    n_groups = rng.randint(9, 15)
    for g in range(n_groups):
        gid = w.take("courses_classgroup")
        course = courses[g % len(courses)]
        weekday = rng.randint(0, 6)
        hour = rng.choice([9, 14, 16, 18])
        first_day = today - datetime.timedelta(days=(today.weekday() - weekday) % 7 + 28)
        past = []
        for s in range(8):
            sid = w.take("courses_session")
            day = first_day + datetime.timedelta(days=7 * s)
            start = _at(day, hour)
            t.add("courses_session", f"{sid}\t\t{start}\t{_at(day, hour, 90)}\t{cc}\tf\t{gid}")
            if day < today:
                past.append(sid)
        groups.append(Group(gid, course, past, rng.randint(20, 30), 0, g))
    # students and enrolments (two each, in two different class groups)
    custody = mode == "bank_custody"
    bank = w.banks[n % len(w.banks)]
    events = 0
    cash_total = settled_total = 0
    entries: list[tuple[Any, ...]] = []
    posting_rows: list[tuple[Any, ...]] = []
    accounts: list[Any] = []
    if custody:
        cash_acc = w.take("funds_ledgeraccount")
        settled_acc = w.take("funds_ledgeraccount")
        t.add(
            "funds_custodyaccount",
            (
                w.take("funds_custodyaccount"),
                f"41{n:016d}",
                f"托管专户{n}",
                f"62{n:016d}",
                f"机构结算户{n}",
                "中国银行",
                issued,
                True,
                cc,
                now,
                bank,
                inst_id,
            ),
        )
    key = f"{cc}-{w.year}"
    start_date = today - datetime.timedelta(days=35)
    end_date = start_date + datetime.timedelta(days=180)
    confirmed = _at(start_date, 10)
    release_days: list[datetime.date] = []
    for _s in range(rng.randint(20, 30)):
        stid = w.take("students_student")
        grade = rng.choice(GRADES)
        t.add("students_student", (stid, _name(rng), "", "", grade, "", "", cc, now))
        for group in rng.sample(groups, 2):
            if group.enrolled >= group.capacity:
                continue
            group.enrolled += 1
            gid, past = group.id, group.past
            _cid, price, lessons = group.course
            eid = w.take("students_enrolment")
            bought = min(lessons, rng.choice([10, 20, 20, 30]))
            w.contract_no[key] = w.contract_no.get(key, 0) + 1
            t.add(
                "students_enrolment",
                f"{eid}\t\t{start_date}\t{end_date}\t{bought}\t{price}\t{bought * price}\tactive\t"
                f"HT{key}-{w.contract_no[key]:06d}\t{confirmed}\t{cc}\t{now}\t{gid}\t{inst_id}\t{stid}\t"
                f"{''.join(rng.choices(CODE_ALPHABET, k=8))}",
            )
            if not custody:
                continue
            amount = bought * price
            prepaid = w.take("funds_ledgeraccount")
            pay_entry = w.take("funds_journalentry")
            entries.append(
                ("payment_in", f"GEN-PAY-{eid}", f"GB{pay_entry}", "家长缴费", start_date, cc, bank, eid, inst_id)
            )
            posting_rows.append((pay_entry, cash_acc, amount))
            posting_rows.append((pay_entry, prepaid, -amount))
            audit.add(
                institution_id=inst_id,
                action="ledger.payment_in",
                object_type="funds.journalentry",
                object_id=pay_entry,
                division_code=cc,
                after={"amount_fen": amount, "enrolment_id": eid},
            )
            events += 1
            cash_total += amount
            released = 0
            for r in range(min(rng.randint(1, 3), len(past))):
                entry = w.take("funds_journalentry")
                day = start_date + datetime.timedelta(days=7 * (r + 1))
                release_days.append(day)
                entries.append(("release", f"GEN-REL-{eid}-{r}", "", "确认消课释放", day, cc, None, eid, inst_id))
                posting_rows.append((entry, prepaid, price))
                posting_rows.append((entry, settled_acc, -price))
                t.add(
                    "funds_consumptionrequest",
                    f"{w.take('funds_consumptionrequest')}\t{price}\tconfirmed\t{_at(day, 20)}\t"
                    f"{day + THREE_DAYS}\t{_at(day, 21)}\t\t\t{cc}\t{eid}\t{inst_id}\t{past[r]}\t{entry}",
                )
                released += price
            settled_total += released
            accounts.append(
                f"{prepaid}\tprepaid:e:{eid}\tparent_prepaid\t{amount - released}\t{cc}\t{now}\t{now}\t{eid}\t{inst_id}"
            )
    for group in groups:
        gid, cid, capacity, enrolled, g = group.id, group.course[0], group.capacity, group.enrolled, group.number
        t.add(
            "courses_classgroup",
            (
                gid,
                "",
                f"{'周六周日'[g % 4]}{['上午', '下午', '晚间'][g % 3]}{g + 1}班",
                f"[{trainers[g % len(trainers)]}]" if trainers else "[]",
                capacity,
                enrolled,
                cc,
                sites[g % len(sites)],
                cid,
            ),
        )
    if custody:
        if settled_total:
            audit.add(
                institution_id=inst_id,
                action="ledger.batch",
                object_type="funds.journalentry",
                object_id=inst_id,
                division_code=cc,
                after={"kind": "release", "entries": len(release_days), "institution_id": inst_id},
            )
            events += 1
        payout = settled_total // 2
        if payout:
            entry = w.take("funds_journalentry")
            entries.append(
                ("payout", f"GEN-OUT-{inst_id}", f"GO{entry}", "释放资金划付机构", today, cc, bank, None, inst_id)
            )
            posting_rows.append((entry, settled_acc, payout))
            posting_rows.append((entry, cash_acc, -payout))
            audit.add(
                institution_id=inst_id,
                action="ledger.payout",
                object_type="funds.journalentry",
                object_id=entry,
                division_code=cc,
                after={"amount_fen": payout, "institution_id": inst_id},
            )
            events += 1
        accounts.append(
            (cash_acc, f"cash:i:{inst_id}", "custody_cash", cash_total - payout, cc, now, now, None, inst_id)
        )
        accounts.append(
            (
                settled_acc,
                f"settled:i:{inst_id}",
                "institution_settled",
                settled_total - payout,
                cc,
                now,
                now,
                None,
                inst_id,
            )
        )
        for row in accounts:
            t.add("funds_ledgeraccount", row)
        # entry ids were taken in the order the entries were appended: consecutive per institution
        first = w.next_id["funds_journalentry"] - len(entries) + 1
        for i, (kind, ref, bank_ref, memo, day, division, bank_id, enrolment, inst) in enumerate(entries):
            t.add(
                "funds_journalentry",
                f"{first + i}\t{kind}\t{ref}\t{bank_ref}\t{memo}\t{day}\t{_at(day, 12)}\t{division}\t"
                f"{bank_id or NULL}\t{enrolment or NULL}\t{inst}",
            )
        pid = w.next_id["funds_posting"]
        w.next_id["funds_posting"] += len(posting_rows)
        t.rows.setdefault("funds_posting", []).extend(
            f"{pid + i}\t{entry}\t{account}\t{amount}" for i, (entry, account, amount) in enumerate(posting_rows, 1)
        )
    return events


def enforcement(
    rng: random.Random,
    w: World,
    t: Tables,
    audit: AuditWriter,
    cc: str,
    township: str,
    inst_id: int,
    name: str,
    address: str,
) -> None:
    today = w.today
    now = datetime.datetime.now(UTC)
    inspector = w.inspector[cc]
    jan1 = datetime.date(w.year, 1, 1)
    span = max((today - jan1).days, 1)
    for k in range(2):
        day = jan1 + datetime.timedelta(days=rng.randrange(span))
        iid = w.take("enforcement_inspection")
        at = _at(day, 10)
        t.add(
            "enforcement_inspection",
            (
                iid,
                "institution",
                name,
                cc,
                township,
                "education",
                "random" if k == 0 else "routine",
                "done",
                "plan",
                "",
                "[]",
                day,
                at,
                address,
                "现场检查，未发现违规行为。",
                "",
                "",
                False,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                at,
                at + datetime.timedelta(hours=1),
                inspector,
                inst_id,
            ),
        )
        audit.add(
            institution_id=inst_id,
            action="inspection.submit",
            object_type="enforcement.inspection",
            object_id=iid,
            division_code=cc,
            after={"status": "done"},
        )
        if rng.random() < 0.1:
            w.notice_no[cc] = w.notice_no.get(cc, 0) + 1
            seq = w.notice_no[cc]
            nid = w.take("enforcement_rectificationnotice")
            closed = rng.random() < 0.7
            t.add(
                "enforcement_rectificationnotice",
                (
                    nid,
                    "institution",
                    name,
                    cc,
                    township,
                    "education",
                    f"{_county_short(w, cc)}教整改〔{w.year}〕{seq}号",
                    w.year,
                    seq,
                    "closed" if closed else "issued",
                    "按规定公示收费项目和标准，完善消防安全设施。",
                    day,
                    10,
                    day + datetime.timedelta(days=14),
                    at + datetime.timedelta(days=12) if closed else None,
                    "",
                    0,
                    iid,
                    inst_id,
                    inspector,
                ),
            )
            audit.add(
                institution_id=inst_id,
                action="notice.issue",
                object_type="enforcement.rectificationnotice",
                object_id=nid,
                division_code=cc,
                after={"seq": seq},
            )
    if rng.random() < 0.02:
        w.case_no[cc] = w.case_no.get(cc, 0) + 1
        day = jan1 + datetime.timedelta(days=rng.randrange(span))
        pid = w.take("enforcement_penaltycase")
        t.add(
            "enforcement_penaltycase",
            (
                pid,
                "institution",
                name,
                cc,
                township,
                "education",
                rng.choice(["filed", "investigation", "decided", "closed"]),
                "",
                f"{cc}教立〔{w.year}〕{w.case_no[cc]}号",
                "",
                "disguised",
                "ordinary",
                0,
                day - datetime.timedelta(days=20),
                False,
                False,
                False,
                "以咨询、托管名义开展学科类培训。",
                "《校外培训行政处罚暂行办法》第十八条",
                "{}",
                "[]",
                0,
                0,
                0,
                0,
                "",
                False,
                day,
                "",
                False,
                "",
                day + datetime.timedelta(days=90),
                0,
                "",
                0,
                "",
                "",
                now,
                inspector,
                inst_id,
            ),
        )
        audit.add(
            institution_id=inst_id,
            action="case.file",
            object_type="enforcement.penaltycase",
            object_id=pid,
            division_code=cc,
            after={"violation": "disguised"},
        )
    if rng.random() < 0.1:
        rid = w.take("complaints_report")
        received = now - datetime.timedelta(days=rng.randint(1, 200))
        closed = rng.random() < 0.75
        t.add(
            "complaints_report",
            (
                rid,
                _code(rng),
                rng.choice(["web", "hotline", "12345"]),
                rng.choice(["fees", "overtime", "disguised", "ads", "safety"]),
                name,
                address,
                cc,
                "该机构周末开展学科类培训，收费超过三个月。",
                "",
                "closed" if closed else rng.choice(["accepted", "assigned"]),
                "county",
                "education",
                "",
                "",
                "经核查，已责令整改。" if closed else "",
                "",
                "",
                received,
                received + datetime.timedelta(hours=5),
                received + datetime.timedelta(days=12) if closed else None,
                (received + datetime.timedelta(days=7)).date(),
                (received + datetime.timedelta(days=15)).date(),
                received,
                inst_id,
                "",
            ),
        )
        audit.add(
            institution_id=inst_id,
            action="report.submit",
            object_type="complaints.report",
            object_id=rid,
            division_code=cc,
            after=None,
        )


_SHORT: dict[str, str] = {}


def _county_short(w: World, cc: str) -> str:
    if not _SHORT:
        _SHORT.update({c.code: c.short for c in w.counties})
    return _SHORT[cc]


# ------------------------------------------------------------------------------------------------ driver


def _write_chunk(cursor: Any, t: Tables, counts: dict[str, int], timings: dict[str, float]) -> None:
    for table, columns in COLUMNS.items():
        rows = t.rows.get(table)
        if rows:
            started = time.perf_counter()
            copy_rows(cursor, table, columns, rows)
            timings[table] = timings.get(table, 0.0) + time.perf_counter() - started
            counts[table] = counts.get(table, 0) + len(rows)


def _save_counters(cursor: Any, w: World) -> None:
    for key, last in w.contract_no.items():
        cursor.execute(
            "INSERT INTO students_contractcounter (key, last_no) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET last_no = GREATEST(students_contractcounter.last_no, EXCLUDED.last_no)",
            [key, last],
        )
    for kind, numbers, issuer in (
        ("rectification", w.notice_no, "education:{}"),
        ("penalty_filing", w.case_no, "{}-education"),
    ):
        for county, last in numbers.items():
            cursor.execute(
                "INSERT INTO core_documentsequence (issuer, kind, year, last_no) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (issuer, kind, year) DO UPDATE "
                "SET last_no = GREATEST(core_documentsequence.last_no, EXCLUDED.last_no)",
                [issuer.format(county), kind, w.year, last],
            )


def _reset_sequences(cursor: Any, tables: Iterable[str]) -> None:
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
        )
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('core_auditevent', 'seq'), "
        "GREATEST((SELECT MAX(seq) FROM core_auditevent), 1))"
    )


# ------------------------------------------------------------------------------------------------ indexes
#
# A large load into the biggest tables drops their secondary indexes (neither unique nor primary: those stay and
# keep checking) and builds them again at the end, sorted, which is cheaper than keeping them current row by row.
# Their definitions are kept in a table first, so a run that was killed in between is repaired by the next one.

BULK_TABLES = (
    "courses_session",
    "students_student",
    "students_enrolment",
    "funds_ledgeraccount",
    "funds_journalentry",
    "funds_posting",
    "funds_consumptionrequest",
    "core_auditevent",
)
PENDING = "gen_province_dropped_index"


def _restore_indexes(cursor: Any) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {PENDING} (name text PRIMARY KEY, definition text NOT NULL)")
    cursor.execute(f"SELECT name, definition FROM {PENDING} ORDER BY name")
    for name, definition in cursor.fetchall():
        cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        cursor.execute(f"DELETE FROM {PENDING} WHERE name = %s", [name])
    cursor.execute(f"DROP TABLE {PENDING}")


def _drop_indexes(cursor: Any, tables: Sequence[str]) -> int:
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    found = cursor.fetchall()
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {PENDING} (name text PRIMARY KEY, definition text NOT NULL)")
    for name, definition in found:
        cursor.execute(f"INSERT INTO {PENDING} (name, definition) VALUES (%s, %s)", [name, definition])
        cursor.execute(f"DROP INDEX {name}")
    return len(found)


# ------------------------------------------------------------------------------------------------ foreign keys
#
# Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: each row COPY writes queues one check per foreign key,
# run at COMMIT as one index probe plus a FOR KEY SHARE lock on the parent row (measured: a quarter of a chunk's
# time). During the load those check triggers (only the per-row foreign-key checks: the ledger's statement
# triggers and its commit check stay on) are disabled on the tables written; afterwards every foreign key is
# proved set-based over the rows written (one anti-join per key), and the triggers are enabled again whatever
# happens. A run that was killed in between is repaired by the next one (``_enable_fk_checks`` runs first).


@dataclass(frozen=True)
class ForeignKey:
    table: str
    trigger: str
    column: str
    parent: str
    parent_column: str


def _foreign_keys(cursor: Any, tables: Sequence[str]) -> list[ForeignKey]:
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, t.tgname, a.attname, c.confrelid::regclass::text, af.attname
          FROM pg_constraint c
          JOIN pg_trigger t ON t.tgconstraint = c.oid AND t.tgrelid = c.conrelid
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
          JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
         WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) AND cardinality(c.conkey) = 1
         ORDER BY 1, 2
        """,
        [list(tables)],
    )
    return [ForeignKey(*row) for row in cursor.fetchall()]


def _enable_fk_checks(cursor: Any, keys: Sequence[ForeignKey]) -> None:
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgenabled = 'D' AND tgname = ANY(%s)", [[k.trigger for k in keys]]
    )
    disabled = {row[0] for row in cursor.fetchall()}
    for key in keys:
        if key.trigger in disabled:
            cursor.execute(f'ALTER TABLE {key.table} ENABLE TRIGGER "{key.trigger}"')


def _disable_fk_checks(cursor: Any, keys: Sequence[ForeignKey]) -> bool:
    """False (and every check left on) when the role may not: disabling a system trigger needs a superuser."""
    import psycopg

    try:
        for key in keys:
            cursor.execute(f'ALTER TABLE {key.table} DISABLE TRIGGER "{key.trigger}"')
    except psycopg.errors.InsufficientPrivilege:
        _enable_fk_checks(cursor, keys)
        return False
    return True


def _check_foreign_keys(cursor: Any, keys: Sequence[ForeignKey], first_ids: dict[str, int]) -> None:
    """Every foreign key of the rows written (id above the table's first id before the run) names a row."""
    seen = set()
    for key in keys:
        if (key.table, key.column) in seen:  # one constraint has two check triggers (insert, update)
            continue
        seen.add((key.table, key.column))
        cursor.execute(
            f"SELECT c.id, c.{key.column} FROM {key.table} c WHERE c.id > %s AND c.{key.column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {key.parent} p WHERE p.{key.parent_column} = c.{key.column}) LIMIT 1",
            [first_ids[key.table]],
        )
        bad = cursor.fetchone()
        if bad is not None:
            raise RuntimeError(f"{key.table} {bad[0]}: {key.column}={bad[1]} is not in {key.parent}")


def _load(
    cursor: Any,
    world: World,
    offset: int,
    institutions: int,
    seed: int,
    counts: dict[str, int],
    timings: dict[str, float],
    say: Callable[[str], None],
    started: float,
) -> None:
    from django.db import transaction

    from shuangjian.core.validators import make_uscc
    from shuangjian.registry.naming import name_sort_key

    for first in range(offset, offset + institutions, CHUNK):
        last = min(first + CHUNK, offset + institutions)
        with transaction.atomic():
            tables = Tables(COLUMNS)
            audit = AuditWriter(cursor)
            mark = time.perf_counter()
            for n in range(first, last):
                institution(n, seed, world, tables, audit, make_uscc, name_sort_key)
            timings["(python rows)"] = timings.get("(python rows)", 0.0) + time.perf_counter() - mark
            _write_chunk(cursor, tables, counts, timings)
            mark = time.perf_counter()
            counts["core_auditevent"] = counts.get("core_auditevent", 0) + audit.flush()
            timings["core_auditevent"] = timings.get("core_auditevent", 0.0) + time.perf_counter() - mark
            _save_counters(cursor, world)
            mark = time.perf_counter()
        timings["(commit)"] = timings.get("(commit)", 0.0) + time.perf_counter() - mark
        say(f"{last - offset}/{institutions} institutions, {time.perf_counter() - started:.0f} s")


def _backend_cpu(cursor: Any) -> float | None:
    """CPU seconds this session's PostgreSQL backend has used (same machine only; None when unreadable)."""
    import os

    try:
        cursor.execute("SELECT pg_backend_pid()")
        with open(f"/proc/{cursor.fetchone()[0]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def generate(
    *, institutions: int, offset: int = 0, seed: int = 2026, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Append ``institutions`` institutions numbered from ``offset`` (and all that hangs off them) to the database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("gen_province writes with PostgreSQL's COPY: point DATABASE_URL at PostgreSQL")
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    cpu_started = time.process_time()
    counts: dict[str, int] = {}
    timings: dict[str, float] = {}  # seconds per table (its COPY statements), Python row building, commits
    connection.ensure_connection()
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor: COPY
        cursor.execute("SET synchronous_commit = off")  # this session only; durability of test data is moot
        backend_started = _backend_cpu(cursor)
        world = build_world(cursor, seed)
        say(f"world: {len(world.counties)} counties, {len(world.cells)} grid cells")
        first_ids = dict(world.next_id)
        keys = _foreign_keys(cursor, list(COLUMNS))
        _enable_fk_checks(cursor, keys)
        _restore_indexes(cursor)
        # Rebuilding pays off when the load is large next to what the tables hold already.
        rebuild = institutions * 4 >= world.next_id["registry_institution"]
        try:
            if rebuild:
                say(f"dropped {_drop_indexes(cursor, BULK_TABLES)} secondary indexes of {len(BULK_TABLES)} tables")
            if not _disable_fk_checks(cursor, keys):
                say("not a superuser: foreign keys checked row by row at each commit (slower)")
            _load(cursor, world, offset, institutions, seed, counts, timings, say, started)
            mark = time.perf_counter()
            _check_foreign_keys(cursor, keys, first_ids)
            timings["(foreign keys checked)"] = time.perf_counter() - mark
        finally:
            _enable_fk_checks(cursor, keys)
            mark = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '256MB'")
            _restore_indexes(cursor)
            cursor.execute("RESET maintenance_work_mem")
            timings["(indexes rebuilt)"] = time.perf_counter() - mark
        _reset_sequences(cursor, COLUMNS)
        cursor.execute("SET synchronous_commit = DEFAULT")
    load_seconds = time.perf_counter() - started
    # What an operator does after a bulk load: fresh statistics, and a visibility map so index-only scans need no
    # heap visits (otherwise autovacuum does it later, in the middle of the measurements).
    with connection.cursor() as cursor:
        backend_loaded = _backend_cpu(cursor.cursor)
        for table in [*COLUMNS, "core_auditevent", "grid_gridreport"]:
            # VACUUM cannot run inside a transaction (a test's): there, statistics only.
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {table}")
    # COPY bypassed the services that keep enforcement's per-county coverage figures: count them once, here.
    from shuangjian.enforcement.coverage import rebuild

    mark = time.perf_counter()
    rebuilt = rebuild()
    timings["(coverage figures rebuilt)"] = time.perf_counter() - mark
    say(f"coverage figures: {rebuilt.institutions} active institutions, {rebuilt.corrected} corrected")
    cursor_total = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registry_institution")
        cursor_total = int(cursor.fetchone()[0])
    seconds = time.perf_counter() - started
    say(f"done in {seconds:.0f} s (load {load_seconds:.0f} s, vacuum analyze {seconds - load_seconds:.0f} s)")
    return {
        "institutions": cursor_total,
        "seconds": round(seconds, 1),
        "load_seconds": round(load_seconds, 1),
        # Load-independent figures for a shared machine: CPU used by this process and by its PostgreSQL backend
        # up to the end of the load (before VACUUM ANALYZE).
        "cpu_seconds": {
            "generator": round(time.process_time() - cpu_started, 1),
            "postgres": round(backend_loaded - backend_started, 1)
            if backend_loaded is not None and backend_started is not None
            else None,
        },
        "counts": counts,
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("institutions", type=int)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    setup_django()

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = generate(
        institutions=args.institutions, offset=args.offset, seed=args.seed, progress=None if args.quiet else progress
    )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
