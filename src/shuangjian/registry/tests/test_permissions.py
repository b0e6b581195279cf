"""Department write rules: write actions on an institution follow the department that licenses it;
every department of the county still reads the record. Out-of-county objects stay 404 (they do not exist for
the caller); an in-county institution of another department is refused with 403 and its buttons are hidden."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.core.models import AuditEvent, Department, Role
from shuangjian.core.permissions import can
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory, UserFactory
from shuangjian.registry import services
from shuangjian.registry.models import AnnualInspection, Category, InstitutionStatus, NonSubjectField
from shuangjian.registry.permissions import licensing_department
from shuangjian.registry.tests.factories import InstitutionFactory

NON_EDUCATION = [Department.MARKET_REGULATION, Department.SPORTS, Department.CULTURE, Department.SCIENCE]


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def school(db: Any) -> Any:
    return InstitutionFactory.create(name="龙亭启航学科培训学校", approving_department=Department.EDUCATION)


@pytest.mark.parametrize("department", NON_EDUCATION)
def test_other_departments_cannot_blacklist_revoke_or_deregister_an_education_school(
    school: Any, department: str
) -> None:
    other = RegulatorFactory.create(username=f"r_{department}", department=department, scope_code="410202")
    c = login(other)
    # Reading stays county-wide: the record opens, without the action forms.
    page = c.get(reverse("registry:institution_detail", args=[school.pk]))
    assert page.status_code == 200
    assert reverse("registry:blacklist_add", args=[school.pk]) not in page.content.decode()
    assert reverse("registry:institution_status", args=[school.pk]) not in page.content.decode()

    reason = {"reason": "测试", "legal_basis": "测试依据", "status": InstitutionStatus.REVOKED}
    assert c.post(reverse("registry:blacklist_add", args=[school.pk]), reason).status_code == 403
    assert c.post(reverse("registry:institution_status", args=[school.pk]), reason).status_code == 403
    assert c.post(reverse("registry:institution_deregister", args=[school.pk]), reason).status_code == 403
    with pytest.raises(PermissionDenied):
        services.institution_deregister(actor=other, institution=school, reason="越权注销")
    school.refresh_from_db()
    assert school.status == InstitutionStatus.ACTIVE
    assert not school.blacklist_entries.exists()
    assert not AuditEvent.objects.filter(object_id=str(school.pk)).exists()


def test_education_regulator_of_the_county_still_acts(school: Any) -> None:
    edu = RegulatorFactory.create(username="lt_edu_t", department=Department.EDUCATION, scope_code="410202")
    page = login(edu).get(reverse("registry:institution_detail", args=[school.pk]))
    assert reverse("registry:blacklist_add", args=[school.pk]) in page.content.decode()
    resp = login(edu).post(
        reverse("registry:institution_status", args=[school.pk]),
        {"status": InstitutionStatus.SUSPENDED, "reason": "停止招生整改"},
    )
    assert resp.status_code == 302
    school.refresh_from_db()
    assert school.status == InstitutionStatus.SUSPENDED


def test_sports_bureau_acts_on_its_own_institution_not_on_another_county(db: Any) -> None:
    club = InstitutionFactory.create(
        category=Category.NON_SUBJECT, field=NonSubjectField.SPORTS, approving_department=Department.SPORTS
    )
    sports = RegulatorFactory.create(username="lt_sports_t", department=Department.SPORTS, scope_code="410202")
    services.institution_change_status(actor=sports, institution=club, status=InstitutionStatus.SUSPENDED, reason="x")
    elsewhere = RegulatorFactory.create(username="xf_sports_t", department=Department.SPORTS, scope_code="410212")
    with pytest.raises(Http404):  # another county: the institution does not exist for them
        services.institution_deregister(actor=elsewhere, institution=club, reason="越区")


def test_inspector_sees_zombies_without_a_button_that_would_404(db: Any) -> None:
    today = timezone.localdate()
    zombie = InstitutionFactory.create(name="多年未年检机构", licence_issued_on=datetime.date(today.year - 6, 5, 1))
    AnnualInspection.objects.create(
        institution=zombie, year=today.year - 4, result="passed", inspected_on=today, division_code="410202"
    )
    inspector = UserFactory.create(username="lt_insp_t", role=Role.INSPECTOR, scope_code="410202")
    page = login(inspector).get(reverse("registry:zombies"))
    assert page.status_code == 200
    assert "多年未年检机构" in page.content.decode()
    assert "一键注销" not in page.content.decode()
    assert login(inspector).post(reverse("registry:institution_deregister", args=[zombie.pk])).status_code == 404
    edu = RegulatorFactory.create(username="lt_edu_z", department=Department.EDUCATION, scope_code="410202")
    assert "一键注销" in login(edu).get(reverse("registry:zombies")).content.decode()


def test_platform_admin_menu_has_no_operator_pages(db: Any) -> None:
    admin = PlatformAdminFactory.create(username="admin_t")
    page = login(admin).get(reverse("dashboard"))
    html = page.content.decode()
    for url_name in ("registry:my_institution", "registry:apply", "funds:institution"):
        assert f'href="{reverse(url_name)}"' not in html
        assert login(admin).get(reverse(url_name)).status_code == 404
    assert f'href="{reverse("registry:institution_list")}"' in html


def test_non_education_regulator_sees_publications_but_no_publish_form(db: Any) -> None:
    sports = RegulatorFactory.create(username="lt_sports_p", department=Department.SPORTS, scope_code="410202")
    page = login(sports).get(reverse("registry:publications"))
    assert page.status_code == 200
    assert reverse("registry:publish") not in page.content.decode()
    resp = login(sports).post(reverse("registry:publish"), {"year": 2026, "division_code": "410202"})
    assert resp.status_code == 404


@settings(max_examples=60, deadline=None)
@given(
    department=st.sampled_from(list(Department.values)),
    kind=st.sampled_from(
        [(Category.SUBJECT.value, "")] + [(Category.NON_SUBJECT.value, f.value) for f in NonSubjectField]
    ),
    licensed=st.booleans(),
)
def test_a_county_regulator_acts_exactly_when_their_department_licenses_it(
    department: str, kind: tuple[str, str], licensed: bool
) -> None:
    category, field = kind
    inst = InstitutionFactory.build(category=category, field=field, approving_department="", division_code="410202")
    if licensed:
        inst.approving_department = licensing_department(inst)
    here = RegulatorFactory.build(department=department, scope_code="410202")
    expected = department == licensing_department(inst)
    assert can(here, "registry.deregister_institution", inst) is expected
    assert can(here, "registry.blacklist_institution", inst) is expected
    assert can(here, "registry.view_institution", inst) is True
    elsewhere = RegulatorFactory.build(department=department, scope_code="410212")
    assert can(elsewhere, "registry.blacklist_institution", inst) is False
