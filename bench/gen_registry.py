"""Scale data for the registry: N institutions (valid USCCs), inspections, black-list entries, a city regulator.

Usage (writes into the database DATABASE_URL points at, migrated beforehand)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuangjian_bench .venv/bin/python -m bench.gen_registry 20000
    ... python -m bench.gen_registry 180000 --offset 20000   # grow to 200,000

Rows are bulk-inserted without history (this is test data, not a record of anyone's action). Prints one JSON
line: {"count", "offset", "seconds", "session_key"} — the session key signs in the city regulator ``kf_bench``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

COUNTIES = {
    "410202": "龙亭区",
    "410203": "顺河回族区",
    "410204": "鼓楼区",
    "410205": "禹王台区",
    "410212": "祥符区",
    "410221": "杞县",
    "410222": "通许县",
    "410223": "尉氏县",
    "410225": "兰考县",
}
WORDS = "启明 博雅 星辰 育才 明德 新航 智慧 阳光 蓝天 书香 未来 远航 晨曦 青苗 卓越 睿思 乐学 思源 创想 翰墨".split()
KINDS = ["培训学校", "艺术培训中心", "体育俱乐部", "科技教育中心", "教育咨询有限公司"]
BATCH = 5000


def setup_django() -> None:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.config.settings.dev")
    import django

    django.setup()


def ensure_divisions() -> None:
    from shuangjian.core.models import Division, DivisionLevel

    Division.objects.get_or_create(code="41", defaults={"name": "河南省", "level": DivisionLevel.PROVINCE})
    Division.objects.get_or_create(
        code="4102", defaults={"name": "开封市", "level": DivisionLevel.CITY, "parent_id": "41"}
    )
    for code, name in COUNTIES.items():
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": DivisionLevel.COUNTY, "parent_id": "4102"}
        )


def regulator_session() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from shuangjian.core.models import Department, Role, User

    user, _ = User.objects.get_or_create(
        username="kf_bench",
        defaults={"role": Role.REGULATOR, "scope_code": "4102", "department": Department.EDUCATION},
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def generate(count: int, offset: int = 0, seed: int = 2026) -> None:
    from django.db import transaction

    from shuangjian.core.models import Department, User
    from shuangjian.core.validators import make_uscc
    from shuangjian.registry.models import (
        AnnualInspection,
        BlacklistEntry,
        Category,
        InspectionResult,
        Institution,
        InstitutionStatus,
        LegalForm,
        NonSubjectField,
        SupervisionMode,
        TrainingFormat,
    )
    from shuangjian.registry.naming import name_sort_key

    rng = random.Random(seed + offset)
    ensure_divisions()
    publisher = User.objects.get(username="kf_bench")
    today = datetime.date.today()
    counties = list(COUNTIES)
    for first in range(offset, offset + count, BATCH):
        numbers = range(first, min(first + BATCH, offset + count))
        institutions = []
        for n in numbers:
            county = counties[n % len(counties)]
            subject = rng.random() < 0.3
            licensed = rng.random() < 0.85
            status = InstitutionStatus.ACTIVE if licensed else InstitutionStatus.APPLYING
            if licensed and rng.random() < 0.05:
                status = rng.choice([InstitutionStatus.SUSPENDED, InstitutionStatus.STOPPED, InstitutionStatus.REVOKED])
            prefix = "52" if subject else "91"
            name = f"开封市{COUNTIES[county]}{rng.choice(WORDS)}{rng.choice(WORDS)}{KINDS[n % len(KINDS)]}{n}"
            institutions.append(
                Institution(
                    name=name,
                    name_key=name_sort_key(name),  # the services fill it; a bulk load must too (list order)
                    uscc=make_uscc(f"{prefix}410200{n:08d}"),
                    category=Category.SUBJECT if subject else Category.NON_SUBJECT,
                    field="" if subject else rng.choice(NonSubjectField.values),
                    licensed_subjects=["math", "english"] if subject else [],
                    legal_form=LegalForm.NON_PROFIT if subject else LegalForm.COMPANY,
                    legal_rep_name="张三",
                    legal_rep_id="",
                    address=f"开封市{COUNTIES[county]}示例路{n % 999 + 1}号",
                    division_code=county,
                    phone=f"0371-{20000000 + n % 9999999}",
                    training_format=rng.choice(TrainingFormat.values),
                    status=status,
                    licence_no=f"教民{county}{n:09d}" if licensed else None,
                    licence_issued_on=today - datetime.timedelta(days=rng.randint(30, 2500)) if licensed else None,
                    licence_expires_on=today + datetime.timedelta(days=rng.randint(-60, 1500)) if licensed else None,
                    supervision_mode=rng.choice(SupervisionMode.values),
                )
            )
        with transaction.atomic():
            created = Institution.objects.bulk_create(institutions)
            if not created or created[0].pk is None:
                ids = dict(
                    Institution.objects.filter(uscc__in=[i.uscc for i in institutions]).values_list("uscc", "pk")
                )
                for inst in institutions:
                    inst.pk = ids[inst.uscc]
            inspections = [
                AnnualInspection(
                    institution=inst,
                    year=today.year - 1,
                    result=InspectionResult.FAILED if rng.random() < 0.03 else InspectionResult.PASSED,
                    inspected_on=today - datetime.timedelta(days=rng.randint(10, 300)),
                    division_code=inst.division_code,
                )
                for inst in institutions
                if inst.licence_no and rng.random() < 0.7
            ]
            AnnualInspection.objects.bulk_create(inspections)
            entries = [
                BlacklistEntry(
                    institution=inst,
                    reason="违规收费，拒不整改",
                    legal_basis="《校外培训行政处罚暂行办法》第十七条",
                    start=today - datetime.timedelta(days=rng.randint(1, 700)),
                    end=None if rng.random() < 0.7 else today + datetime.timedelta(days=rng.randint(-100, 300)),
                    publisher=publisher,
                    department=Department.EDUCATION,
                    division_code=inst.division_code,
                )
                for inst in institutions
                if rng.random() < 0.005
            ]
            BlacklistEntry.objects.bulk_create(entries)
    # bulk_create bypassed the registry's services and their hook: count enforcement's coverage figures once.
    from shuangjian.enforcement.coverage import rebuild

    rebuild()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--offset", type=int, default=0)
    args = parser.parse_args(argv)
    setup_django()
    start = time.perf_counter()
    ensure_divisions()
    session_key = regulator_session()
    generate(args.count, args.offset)
    from django.db import connection

    if connection.vendor == "postgresql":
        # What an operator does after a bulk load: fresh statistics, and a visibility map so index-only scans
        # need no heap visits. Without it autovacuum does it later — in the middle of the measurements.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(
        json.dumps(
            {
                "count": args.count,
                "offset": args.offset,
                "seconds": round(time.perf_counter() - start, 1),
                "session_key": session_key,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
