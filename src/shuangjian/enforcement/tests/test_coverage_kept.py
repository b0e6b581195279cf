"""The kept coverage figures (``coverage.coverage_by_county``, what every page shows) against the direct computation
(``coverage.direct_by_county``, the oracle) after random sequences of writes through the services: inspections
recorded as done on either side of a new year, a done inspection withdrawn, institutions surveyed in (the import),
moved to another county, suspended, restored and closed. And: the repair command finds and corrects figures written
past the services; two inspections of one institution completed at the same time on PostgreSQL are both counted.
"""

from __future__ import annotations

import datetime
import itertools
import threading
import uuid
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shuangjian.core.models import Department, Role
from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory, UserFactory
from shuangjian.enforcement import coverage, inspections
from shuangjian.enforcement.models import CoverageCounty, CoverageCountyYear, Inspection, InspectionStatus
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry import imports
from shuangjian.registry.models import Institution, InstitutionStatus
from shuangjian.registry.services import STATUS_MOVES, institution_change_status, licence_application_approve
from shuangjian.registry.tests.factories import InstitutionFactory, uscc

from .inspection_helpers import results

COUNTIES = ("410202", "410203", "410212")
TZ = ZoneInfo(django_settings.TIME_ZONE)
YEAR = 2025
# Completion times around the turn of the year, in the platform's time zone (the year of an inspection is its local
# year: 00:30 on 1 January local is still 31 December in UTC).
MOMENTS = (
    datetime.datetime(YEAR, 6, 15, 10, 0, tzinfo=TZ),
    datetime.datetime(YEAR, 12, 31, 23, 59, 59, tzinfo=TZ),
    datetime.datetime(YEAR + 1, 1, 1, 0, 0, 0, tzinfo=TZ),
    datetime.datetime(YEAR + 1, 1, 1, 0, 30, tzinfo=TZ),
    datetime.datetime(YEAR + 1, 3, 1, 9, 0, tzinfo=TZ),
)
YEARS = (YEAR - 1, YEAR, YEAR + 1)
_seq = itertools.count()


def _figures(counties: tuple[str, ...], year: int) -> dict[str, tuple[int, int]]:
    return {c: (v.active, v.covered) for c, v in coverage.coverage_by_county(counties, year).items()}


def _direct(counties: tuple[str, ...], year: int) -> dict[str, tuple[int, int]]:
    return {c: (v.active, v.covered) for c, v in coverage.direct_by_county(counties, year).items()}


class CoverageMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        n = next(_seq)
        self.regulator = RegulatorFactory.create(username=f"cov_reg{n}", scope_code="4102")
        self.inspector = UserFactory.create(
            username=f"cov_insp{n}", role=Role.INSPECTOR, department=Department.EDUCATION, scope_code="4102"
        )
        self.institutions: list[Institution] = [
            InstitutionFactory.create(division_code=COUNTIES[i % 2], uscc=uscc()) for i in range(3)
        ]

    def teardown(self) -> None:
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _inst(self, i: int) -> Institution:
        inst = self.institutions[i % len(self.institutions)]
        inst.refresh_from_db()
        return inst

    def _survey(self, inst: Institution | None, *, county: str, status: str = "") -> Institution:
        """The survey import's writing step (``imports.write_rows``), as an import job runs it."""
        name = inst.name if inst else f"覆盖测试学校{next(_seq)}"
        row = imports.ParsedRow(
            row=2,
            name=name,
            uscc=inst.uscc if inst else uscc(),
            division_code=county,
            category=inst.category if inst else "subject",
            subjects=["math"],
            site_address="开封市某路1号",
            training_format=inst.training_format if inst else "offline",
            licence_no=(inst.licence_no or "") if inst else f"教民{county}1999{next(_seq):05d}",
            status=status,
        )
        imports.write_rows(actor=self.regulator, rows=[row], year=YEAR, job=None, outcome=imports.Outcome())
        return Institution.objects.get(uscc=row.uscc)

    @precondition(lambda self: len(self.institutions) < 6)
    @rule(county=st.sampled_from(COUNTIES), status=st.sampled_from(["", InstitutionStatus.SUSPENDED]))
    def survey_new(self, county: str, status: str) -> None:
        self.institutions.append(self._survey(None, county=county, status=status))

    @rule(i=st.integers(0, 5), county=st.sampled_from(COUNTIES))
    def move_county(self, i: int, county: str) -> None:
        inst = self._inst(i)
        self._survey(inst, county=county)

    @rule(i=st.integers(0, 5), status=st.sampled_from([InstitutionStatus.ACTIVE, InstitutionStatus.REVOKED]))
    def survey_status(self, i: int, status: str) -> None:
        """A survey can set any status, active again included."""
        inst = self._inst(i)
        self._survey(inst, county=inst.division_code, status=status)

    @rule(i=st.integers(0, 5), pick=st.integers(0, 3))
    def regulator_changes_status(self, i: int, pick: int) -> None:
        inst = self._inst(i)
        moves = [m for m in STATUS_MOVES.get(inst.status, ()) if m != InstitutionStatus.DEREGISTERED or pick == 3]
        if moves:
            institution_change_status(
                actor=self.regulator, institution=inst, status=moves[pick % len(moves)], reason="覆盖率测试"
            )

    @rule(i=st.integers(0, 5), moment=st.sampled_from(MOMENTS))
    def inspect(self, i: int, moment: datetime.datetime) -> None:
        inst = self._inst(i)
        with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
            inspections.inspection_submit(
                actor=self.inspector,
                client_uuid=uuid.uuid4(),
                items=results(),
                subject=Subject.of_institution(inst),
                inspector_signatures="执法员",
                party_signature="负责人",
            )

    @rule(i=st.integers(0, 5))
    def withdraw_a_done_inspection(self, i: int) -> None:
        """No service withdraws a done inspection yet: this is the write plus the sync such a service must make."""
        inst = self._inst(i)
        done = Inspection.objects.filter(institution=inst, status=InspectionStatus.DONE).order_by("pk").first()
        if done is not None:
            Inspection.objects.filter(pk=done.pk).update(status=InspectionStatus.CANCELLED)
            coverage.sync_institutions([inst.pk])

    @invariant()
    def kept_equals_direct(self) -> None:
        if not hasattr(self, "atomic"):
            return
        for year in YEARS:
            assert _figures(COUNTIES, year) == _direct(COUNTIES, year)
            for county in COUNTIES:
                assert _figures((county,), year) == _direct((county,), year)
        by_county = coverage.coverage_by_county(COUNTIES, YEAR)
        rows = coverage.uncovered_rows(COUNTIES, YEAR, by_county)
        expected = [(inst.pk, n) for inst, n in coverage.uncovered_institutions(COUNTIES, YEAR)]
        assert [(inst.pk, n) for inst, n in rows[0 : len(rows)]] == expected
        assert [(inst.pk, n) for inst, n in rows[1:3]] == expected[1:3]


@pytest.mark.django_db
def test_kept_coverage_equals_the_direct_count_after_random_writes() -> None:
    for code in COUNTIES:
        DivisionFactory.create(code=code, name=f"县区{code}")
    run_state_machine_as_test(
        CoverageMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def _inspect_directly(inst: Institution, when: datetime.datetime, user: Any) -> None:
    Inspection.objects.create(
        subject_kind="institution",
        institution=inst,
        subject_name=inst.name,
        division_code=inst.division_code,
        kind="routine",
        status=InspectionStatus.DONE,
        completed_at=when,
        created_by=user,
    )


@pytest.mark.django_db
def test_the_repair_command_finds_and_corrects_figures_written_past_the_services() -> None:
    user = RegulatorFactory.create(username="cov_fix", scope_code="4102")
    insts = [InstitutionFactory.create() for _ in range(3)]
    call_command("coverage_rebuild", "--check")  # kept by the factories' hook: nothing to correct
    assert _figures(("410202",), YEAR) == (_direct(("410202",), YEAR)) == {"410202": (3, 0)}
    # Two done inspections and a closed institution written straight into the tables: the kept figures lag.
    _inspect_directly(insts[0], MOMENTS[0], user)
    _inspect_directly(insts[0], MOMENTS[1], user)
    Institution.objects.filter(pk=insts[2].pk).update(status=InstitutionStatus.REVOKED)
    assert _direct(("410202",), YEAR) == {"410202": (2, 1)} != _figures(("410202",), YEAR)
    with pytest.raises(CommandError):
        call_command("coverage_rebuild", "--check")
    assert _figures(("410202",), YEAR) == {"410202": (3, 0)}  # --check changed nothing
    call_command("coverage_rebuild")
    assert _figures(("410202",), YEAR) == _direct(("410202",), YEAR) == {"410202": (2, 1)}
    call_command("coverage_rebuild", "--check")


@pytest.mark.django_db
def test_the_pages_show_the_kept_figures() -> None:
    """The coverage page and the statistics page read the same kept figures: a figure changed only in the kept
    table shows on both (so neither computes its own)."""
    DivisionFactory.create(code="410202", name="龙亭区")
    regulator = RegulatorFactory.create(username="cov_page", scope_code="410202")
    for _ in range(4):
        InstitutionFactory.create()
    CoverageCounty.objects.filter(division_code="410202").update(active=40)
    CoverageCountyYear.objects.create(division_code="410202", year=YEAR, covered=10)
    c = Client()
    c.force_login(regulator)
    with override_settings(ENFORCEMENT_STATS_CACHE_SECONDS=0):  # the statistics page caches what it computed
        stats = c.get(f"/enforcement/statistics/?year={YEAR}").content.decode()
    page = c.get(f"/enforcement/coverage/?year={YEAR}").content.decode()
    assert "<td>40</td><td>10</td><td>25.0%</td>" in page
    assert "25.0" in stats and "<td>40</td>" in stats


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_inspections_of_one_institution_counted_at_once_are_both_counted() -> None:
    """Each write counts the institution's inspections under its row lock: the second waits for the first to commit
    and then sees it (a read-modify-write would see only its own and leave the institution uncovered). The
    inspections are written directly, so that nothing else (``inspection_submit``'s audit chain) orders the two."""
    user = UserFactory.create(username="cov_conc", role=Role.INSPECTOR, scope_code="410202")
    inst = InstitutionFactory.create()
    now = timezone.now()
    first_done = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def write(hold: bool) -> None:
        try:
            with transaction.atomic():
                _inspect_directly(inst, now, user)
                coverage.sync_institutions([inst.pk])
                if hold:
                    first_done.set()
                    release.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=write, args=(True,))
    first.start()
    assert first_done.wait(30)
    second = threading.Thread(target=write, args=(False,))
    second.start()
    # Let the first commit only once the second is waiting for a lock (the institution's row).
    with connection.cursor() as cursor:
        for _ in range(600):
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
    release.set()
    first.join(30)
    second.join(30)
    assert not errors
    year = timezone.localdate().year
    assert _figures(("410202",), year) == _direct(("410202",), year) == {"410202": (1, 1)}


@pytest.mark.django_db
def test_a_licence_approved_counts_the_institution_at_once() -> None:
    """The registry's approval (applying → active) calls the hook in its transaction: the county's kept figure
    counts the new institution without any rebuild, and a suspension takes it out again."""
    from shuangjian.registry.tests.test_workflow import submit, walk_to_site_check

    science = RegulatorFactory.create(username="cov_sci", department=Department.SCIENCE, scope_code="410202")
    InstitutionFactory.create()
    app = walk_to_site_check(submit(), science)
    year = timezone.localdate().year
    assert _figures(("410202",), year) == {"410202": (1, 0)}
    licence_application_approve(actor=science, application=app, comment="实地核查合格")
    assert _figures(("410202",), year) == _direct(("410202",), year) == {"410202": (2, 0)}
    institution_change_status(
        actor=science, institution=app.institution, status=InstitutionStatus.SUSPENDED, reason="停止招生"
    )
    assert _figures(("410202",), year) == _direct(("410202",), year) == {"410202": (1, 0)}
