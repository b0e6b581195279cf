from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.core.models import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry.models import Subject
from shuangjian.schools import hooks as school_hooks
from shuangjian.schools.services import roster_upload
from shuangjian.staff import services
from shuangjian.staff.models import Employment, EmploymentFlag, Person, Qualification
from shuangjian.staff.schemas import EmploymentIn
from shuangjian.staff.services import EmploymentData, QualificationData

from .factories import (
    OperatorFactory,
    SchoolAdminUserFactory,
    SportsInstitutionFactory,
    math_teacher,
    rid,
    roster_file,
    school_of,
)

pytestmark = pytest.mark.django_db


def codes(exc: RuleViolationError) -> set[str]:
    return {v.code for v in exc.violations}


def test_trainer_with_matching_certificate_is_recorded_and_audited() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(1)))
    assert e.person.resident_id == rid(1)
    assert e.division_code == "410202"
    assert Qualification.objects.filter(person=e.person, subject="math").count() == 1
    assert AuditEvent.objects.filter(action="staff.employment_create", object_id=str(e.pk)).exists()


def test_subject_trainer_without_matching_certificate_refused_and_nothing_written() -> None:
    op = OperatorFactory.create()
    data = math_teacher(
        rid(2),
        subjects=("math", "physics"),
        qualifications=(QualificationData("teacher_certificate", "X1", subject="chinese", level="junior"),),
    )
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=data)
    assert codes(exc.value) == {"staff.no_matching_teacher_certificate"}
    assert not Person.objects.exists() and not Qualification.objects.exists() and not Employment.objects.exists()


def test_subject_trainer_must_name_subjects() -> None:
    op = OperatorFactory.create()
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=math_teacher(rid(3), subjects=()))
    assert "staff.trainer_subject_missing" in codes(exc.value)


def test_non_subject_trainer_needs_professional_certificate_in_field() -> None:
    inst = SportsInstitutionFactory.create()
    op = OperatorFactory.create(institution=inst)
    bare = EmploymentData(resident_id=rid(4), name="赵教练", start=datetime.date(2026, 9, 1), role="trainer")
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=bare)
    assert codes(exc.value) == {"staff.no_professional_certificate"}
    wrong = QualificationData("professional", "P-ARTS-1", field="arts")
    with pytest.raises(RuleViolationError):
        services.employment_create(actor=op, data=EmploymentData(**{**bare.__dict__, "qualifications": (wrong,)}))
    right = QualificationData("professional", "P-SPORTS-1", field="sports", name="篮球教练员证")
    e = services.employment_create(actor=op, data=EmploymentData(**{**bare.__dict__, "qualifications": (right,)}))
    assert e.field == "sports"


def test_manager_needs_no_certificate() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(
        actor=op,
        data=EmploymentData(resident_id=rid(5), name="钱主任", start=datetime.date(2026, 9, 1), role="manager"),
    )
    assert e.role == "manager" and e.subjects == []


def test_bad_input_reports_every_problem() -> None:
    op = OperatorFactory.create()
    data = EmploymentData(
        resident_id="410202199001011234",
        name="",
        phone="123",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 1, 1),
        subjects=("cooking",),
    )
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=data)
    assert {
        "staff.resident_id_invalid",
        "staff.name_missing",
        "staff.phone_invalid",
        "staff.end_before_start",
        "staff.subject_invalid",
    } <= codes(exc.value)
    assert not Employment.objects.exists()


def test_blacklisted_person_refused_until_lifted() -> None:
    op = OperatorFactory.create()
    reg = RegulatorFactory.create()
    entry = services.person_blacklist_add(
        actor=reg, resident_id=rid(6), name="孙某", reason="违规培训", start=datetime.date(2026, 1, 1)
    )
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=math_teacher(rid(6), name="孙某"))
    assert "staff.blacklisted" in codes(exc.value)
    assert any("第53号" in v.basis for v in exc.value.violations)
    assert not Employment.objects.exists()
    services.person_blacklist_lift(actor=reg, entry=entry, reason="期满")
    assert services.employment_create(actor=op, data=math_teacher(rid(6), name="孙某")).pk


def test_blacklisting_an_employed_person_flags_the_employment() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(7)))
    services.person_blacklist_add(
        actor=RegulatorFactory.create(), resident_id=rid(7), name="王老师", reason="x", start=datetime.date(2026, 1, 1)
    )
    assert EmploymentFlag.objects.get(employment=e).code == "staff.blacklisted"


def test_roster_then_hire_is_refused() -> None:
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(8))]))
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=OperatorFactory.create(), data=math_teacher(rid(8)))
    assert "staff.in_service_teacher" in codes(exc.value)
    assert any("第十三条" in v.basis for v in exc.value.violations)
    assert not Employment.objects.exists()


def test_hire_then_roster_flags_the_employment_not_deletes_it() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(9)))
    other = services.employment_create(actor=op, data=math_teacher(rid(10), name="李老师"))
    admin = SchoolAdminUserFactory.create()
    result = roster_upload(
        actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(9)), ("陈老师", rid(11))])
    )
    assert [f.employment_id for f in result.flagged] == [e.pk]
    assert result.roster.flagged_count == 1
    flag = EmploymentFlag.objects.get()
    assert flag.code == "staff.in_service_teacher" and flag.roster_entry is not None
    assert Employment.objects.filter(pk=e.pk).exists() and not other.flags.exists()
    assert AuditEvent.objects.filter(action="schools.roster_upload").count() == 1
    # A second roster listing the same teacher does not flag the same employment twice.
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(9))]))
    assert EmploymentFlag.objects.count() == 1


def test_staff_registers_the_roster_hook_and_schools_flags_only_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Schools cannot import staff: the roster cross-check happens only because StaffConfig.ready registered it.
    assert services.flag_rostered_employments in school_hooks.roster_callbacks()
    op = OperatorFactory.create()
    services.employment_create(actor=op, data=math_teacher(rid(19)))
    monkeypatch.setattr(school_hooks, "_roster_callbacks", [])
    admin = SchoolAdminUserFactory.create()
    result = roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(19))]))
    assert result.flagged == [] and not EmploymentFlag.objects.exists()


def test_ended_employment_is_not_flagged_by_a_later_roster() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(12)))
    services.employment_end(actor=op, employment=e, end=datetime.date(2026, 10, 1))
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(12))]))
    assert not EmploymentFlag.objects.exists()


def test_check_employment_matches_the_write_and_saves_nothing() -> None:
    op = OperatorFactory.create()
    payload = EmploymentIn.model_validate(
        {"resident_id": rid(13), "name": "周老师", "start": "2026-09-01", "subjects": ["math"], "qualifications": []}
    )
    found = services.check_employment(actor=op, data=payload.to_data())
    assert [v.code for v in found] == ["staff.no_matching_teacher_certificate"]
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=payload.to_data())
    assert exc.value.violations == found
    assert not Person.objects.exists()
    assert services.check_employment(actor=op, data=math_teacher(rid(13), name="周老师")) == []


def test_same_person_twice_at_one_institution_refused() -> None:
    op = OperatorFactory.create()
    services.employment_create(actor=op, data=math_teacher(rid(14)))
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=op, data=math_teacher(rid(14)))
    assert codes(exc.value) == {"staff.already_employed"}


def test_name_must_match_the_registered_person() -> None:
    services.employment_create(actor=OperatorFactory.create(), data=math_teacher(rid(15), name="吴老师"))
    with pytest.raises(RuleViolationError) as exc:
        services.employment_create(actor=OperatorFactory.create(), data=math_teacher(rid(15), name="吴某某"))
    assert "staff.person_name_mismatch" in codes(exc.value)


def test_only_operators_write_and_only_their_people() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(16)))
    with pytest.raises(Http404):
        services.employment_create(actor=RegulatorFactory.create(), data=math_teacher(rid(17)))
    with pytest.raises(Http404):
        services.employment_end(actor=OperatorFactory.create(), employment=e, end=datetime.date(2026, 12, 1))
    with pytest.raises(Http404):
        services.qualification_add(
            actor=OperatorFactory.create(), person=e.person, data=QualificationData("professional", "P1", field="arts")
        )


@settings(max_examples=25, deadline=None)
@given(
    taught=st.sets(st.sampled_from(Subject.values), min_size=1, max_size=3),
    held=st.sets(st.sampled_from(Subject.values), max_size=3),
)
def test_subject_trainer_accepted_iff_every_taught_subject_is_certified(taught: set[str], held: set[str]) -> None:
    op = OperatorFactory.create()
    certs = tuple(QualificationData("teacher_certificate", f"N{s}", subject=s, level="junior") for s in sorted(held))
    data = math_teacher(rid(99), subjects=tuple(sorted(taught)), qualifications=certs)
    found = services.check_employment(actor=op, data=data)
    assert (found == []) == taught.issubset(held)


def test_person_upsert_finds_by_id_refuses_another_name_and_updates_phone() -> None:
    op = OperatorFactory.create()
    p = services.person_upsert(actor=op, resident_id=rid(120).lower(), name="冯老师")
    assert p.resident_id == rid(120)
    same = services.person_upsert(actor=op, resident_id=rid(120), name="冯老师", phone="13900139000")
    assert same.pk == p.pk and same.phone == "13900139000"
    with pytest.raises(RuleViolationError) as exc:
        services.person_upsert(actor=op, resident_id=rid(120), name="冯某")
    assert codes(exc.value) == {"staff.person_name_mismatch"}
    with pytest.raises(Http404):
        services.person_upsert(actor=RegulatorFactory.create(), resident_id=rid(121), name="x")


def test_a_flagged_employment_can_still_be_reported_as_ended_through_the_api_shape() -> None:
    op = OperatorFactory.create()
    e = services.employment_upsert(actor=op, external_id="E1", data=math_teacher(rid(122)))[0]
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(122))]))
    with pytest.raises(RuleViolationError):
        services.employment_upsert(actor=op, external_id="E1", data=math_teacher(rid(122)))
    today = timezone.localdate()
    ended, created = services.employment_upsert(
        actor=op, external_id="E1", data=math_teacher(rid(122), start=e.start, end=max(today, e.start))
    )
    assert not created and ended.end is not None
