"""Which audit chain an event of the institution's records joins (issue #17): its institution's, so writes about
different institutions never wait on one another's commit."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from shuangjian.core.audit import audit_chain_for, audit_record
from shuangjian.core.models import AuditEvent
from shuangjian.registry.models import Institution, LicenceApplication
from shuangjian.students.models import Attendance
from shuangjian.students.services import attendance_record

from .factories import ClassGroupFactory, CourseFactory, EnrolmentFactory, OperatorFactory, SessionFactory


@pytest.mark.django_db
def test_records_of_an_institution_join_its_chain_without_a_query(django_assert_num_queries):
    institution = Institution(pk=7, division_code="410202")
    with django_assert_num_queries(0):
        assert audit_chain_for(obj=institution, division_code="410202") == "i:7"
        assert audit_chain_for(obj=LicenceApplication(institution_id=8, division_code="410202")) == "i:8"
        # An unsaved institution has no chain of its own yet: its county's.
        assert audit_chain_for(obj=Institution(division_code="410212"), division_code="410212") == "d:410212"


@pytest.mark.django_db
def test_attendance_joins_its_institutions_chain_and_two_institutions_number_apart():
    at = timezone.now() - datetime.timedelta(days=1)
    chains = []
    for _n in range(2):
        operator = OperatorFactory.create()
        institution = operator.operated.institution
        group = ClassGroupFactory.create(course=CourseFactory.create(institution=institution))
        enrolment = EnrolmentFactory.create(class_group=group, lessons_bought=2)
        session = SessionFactory.create(class_group=group, starts_at=at, ends_at=at + datetime.timedelta(hours=1))
        attendance, _changed = attendance_record(actor=operator, session=session, enrolment=enrolment, present=True)
        event = AuditEvent.objects.get(action="attendance.record", object_id=str(attendance.pk))
        assert event.chain == f"i:{institution.pk}"
        chains.append(event.chain)
        # The institution's own record, audited directly, lands on the same chain, next position.
        follow = audit_record(actor=operator, action="test.touch", obj=institution)
        assert (follow.chain, follow.chain_seq) == (event.chain, event.chain_seq + 1)
    assert chains[0] != chains[1]
    assert Attendance.objects.count() == 2
