"""An in-service teacher found on an institution's staff puts that institution on the county's inspection list."""

from __future__ import annotations

import pytest

from shuangjian.core.audit import AuditEvent
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.enforcement.models import Inspection, InspectionSource, InspectionStatus
from shuangjian.enforcement.selectors import inspections_for_user
from shuangjian.schools.models import InServiceCase
from shuangjian.schools.services import roster_upload
from shuangjian.staff import services as staff_services
from shuangjian.staff.tests.factories import (
    OperatorFactory,
    SchoolAdminUserFactory,
    math_teacher,
    rid,
    roster_file,
    school_of,
)

pytestmark = pytest.mark.django_db


def test_a_roster_case_opens_a_lead_against_the_employing_institution() -> None:
    op = OperatorFactory.create()
    staff_services.employment_create(actor=op, data=math_teacher(rid(21), name="郑老师"))
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("郑老师", rid(21))]))

    case = InServiceCase.objects.get()
    lead = Inspection.objects.get()
    assert lead.institution_id == op.operated.institution_id
    assert lead.status == InspectionStatus.PLANNED
    assert lead.source == InspectionSource.ROSTER and lead.source_ref == f"inservice-case:{case.pk}"
    assert "郑老师" in lead.summary
    assert AuditEvent.objects.filter(action="inspection.lead", object_id=str(lead.pk)).exists()
    # The county's regulator sees the lead; another county's does not.
    assert list(inspections_for_user(RegulatorFactory.create(scope_code=lead.division_code))) == [lead]
    assert not inspections_for_user(RegulatorFactory.create(scope_code="410205")).exists()


def test_a_roster_without_findings_raises_no_lead() -> None:
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("冯老师", rid(22))]))
    assert not Inspection.objects.exists()
