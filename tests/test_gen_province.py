"""The province generator (bench/gen_province.py) builds data the platform's own checks accept.

A small province (50 institutions, written as 30 and then 20 more, as the bench grows 20k to 200k) must pass:
the audit chain walk (``audit_verify``), the ledger's invariants (balances = postings, zero-sum entries, custody
cash = what it is owed, releases tied to confirmed lessons) and its commit-time triggers, valid USCCs and
resident ids, numbering counters past the numbers used, every trigger and index restored — and a regulator
opens the main list pages and dashboards over it without an error. PostgreSQL only (COPY, triggers).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"),
    pytest.mark.django_db(transaction=True),  # real commits: the ledger's deferred check runs at COMMIT
]

SEED = 7


def test_small_province(client: Any) -> None:
    """One province for every check (each generation costs seconds on a shared machine)."""
    from bench.gen_province import generate

    messages: list[str] = []
    first = generate(institutions=30, seed=SEED, progress=messages.append)
    second = generate(institutions=20, offset=30, seed=SEED)
    assert any("30/30 institutions" in m for m in messages)
    province = [first, second]
    check_holds_together(province)
    check_counters_triggers_and_indexes_are_left_as_found()
    check_same_seed_same_institution()
    check_regulator_pages_open(client)


def check_holds_together(province: list[dict[str, Any]]) -> None:
    from shuangjian.core.audit import audit_chain_walk, audit_record
    from shuangjian.core.models import AuditEvent, GridAssignment
    from shuangjian.core.validators import validate_resident_id, validate_uscc
    from shuangjian.enforcement import coverage
    from shuangjian.funds.ledger import ledger_invariant_problems
    from shuangjian.funds.models import JournalEntry, Posting
    from shuangjian.grid.models import GridReport
    from shuangjian.registry.models import Institution
    from shuangjian.staff.models import Person
    from shuangjian.students.models import Enrolment

    first, second = province
    assert first["institutions"] == 30
    assert second["institutions"] == 50
    assert Institution.objects.count() == 50

    walk = audit_chain_walk()
    assert list(walk.breaks()) == []
    assert (
        walk.checked
        == AuditEvent.objects.count()
        == (first["counts"]["core_auditevent"] + second["counts"]["core_auditevent"])
    )
    # Every event sits on its institution's chain, as audit_record puts it, and the application's next write
    # to such a chain continues it.
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    assert chains == {f"i:{pk}" for pk in Institution.objects.values_list("pk", flat=True)}
    institution = Institution.objects.order_by("pk").first()
    assert institution is not None
    before = AuditEvent.objects.filter(chain=f"i:{institution.pk}").count()
    event = audit_record(actor=None, action="institution.touch", obj=institution, after={"x": 1})
    assert (event.chain, event.chain_seq) == (f"i:{institution.pk}", before + 1)
    assert list(audit_chain_walk().breaks()) == []

    # COPY bypasses the services that keep the coverage figures: the generator counts them at its end.
    year = timezone.localdate().year
    counties = sorted(set(Institution.objects.values_list("division_code", flat=True)))
    kept = coverage.coverage_by_county(counties, year)
    assert kept == coverage.direct_by_county(counties, year)
    assert sum(c.active for c in kept.values()) == Institution.objects.filter(status="active").count() > 0

    assert ledger_invariant_problems() == []
    assert JournalEntry.objects.count() > 0
    assert Posting.objects.count() == 2 * JournalEntry.objects.count()

    for uscc in Institution.objects.values_list("uscc", flat=True):
        validate_uscc(uscc)
    for resident_id in Person.objects.values_list("resident_id", flat=True)[:200]:
        validate_resident_id(resident_id)

    # Roughly the stated proportions (per institution; students only at licensed ones).
    enrolments = Enrolment.objects.count()
    assert 25 * 50 * 0.6 < enrolments < 50 * 50 * 1.1
    assert GridAssignment.objects.exists()
    assert GridReport.objects.exists()


def check_counters_triggers_and_indexes_are_left_as_found() -> None:
    from django.db.models import Max

    from shuangjian.core.models import DocumentSequence
    from shuangjian.enforcement.models import RectificationNotice
    from shuangjian.students.models import ContractCounter, Enrolment

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgenabled = 'D'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT to_regclass('gen_province_dropped_index')")
        assert cursor.fetchone()[0] is None
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'funds_consumptionrequest'")
        assert cursor.fetchone()[0] == 14
        # The next id the platform takes is past the generated ones.
        cursor.execute("SELECT nextval(pg_get_serial_sequence('students_enrolment', 'id'))")
        assert cursor.fetchone()[0] > Enrolment.objects.aggregate(m=Max("id"))["m"]

    # The platform's own numbering continues after the generated numbers.
    for county, top in RectificationNotice.objects.values_list("division_code").annotate(m=Max("seq")):
        row = DocumentSequence.objects.get(issuer=f"education:{county}", kind="rectification")
        assert row.last_no >= top
    for counter in ContractCounter.objects.all():
        used = Enrolment.objects.filter(contract_no__startswith=f"HT{counter.key}-").count()
        assert counter.last_no == used


def check_same_seed_same_institution() -> None:
    """Institution n's data comes from (seed, n) alone: building it again gives the stored row."""
    from bench import gen_province as gen
    from shuangjian.core.validators import make_uscc
    from shuangjian.registry.models import Institution
    from shuangjian.registry.naming import name_sort_key

    class Recorder:
        def add(self, **fields: Any) -> None:
            pass

    with connection.cursor() as cursor:
        world = gen.build_world(cursor.cursor, SEED)
    tables = gen.Tables(gen.COLUMNS)
    gen.institution(42, SEED, world, tables, Recorder(), make_uscc, name_sort_key)  # type: ignore[arg-type]
    row = tables.rows["registry_institution"][0]
    stored = Institution.objects.get(uscc=row[2])
    assert (stored.name, stored.division_code, stored.status) == (row[1], row[10], row[15])


def check_regulator_pages_open(client: Any) -> None:
    from shuangjian.core.models import Department, Role, User
    from shuangjian.registry.models import Institution

    user = User.objects.create_user(
        username="gen_test_regulator", role=Role.REGULATOR, scope_code="41", department=Department.EDUCATION
    )
    client.force_login(user)
    some = Institution.objects.order_by("id").first()
    assert some is not None
    pages = [
        reverse("registry:institution_list"),
        reverse("registry:institution_detail", args=[some.pk]),
        reverse("enforcement:inspection_list"),
        reverse("enforcement:notice_list"),
        reverse("enforcement:statistics"),
        reverse("complaints:report_list"),
        reverse("students:enrolment_list"),
        reverse("courses:course_list"),
        reverse("funds:overview"),
        reverse("grid:rates"),
        reverse("oversight:dashboard"),
        reverse("core:audit_list"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    listed = client.get(reverse("registry:institution_list")).content.decode()
    assert any(name in listed for name in Institution.objects.values_list("name", flat=True))
