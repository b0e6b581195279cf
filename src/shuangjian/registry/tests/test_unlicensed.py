"""Institutions found by a survey without a licence are unlicensed operations (无证办学): stored and listed as
such (not as applications), shown as a violation, never on the white list, to be closed or licensed."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry import services
from shuangjian.registry.conditions import violations_q
from shuangjian.registry.models import Institution, InstitutionStatus, LicenceApplication, SurveyRecord
from shuangjian.registry.rules import check_institution
from shuangjian.registry.standing import whitelist_conditions_q as whitelist_q

from .factories import OperatorFactory
from .helpers import divisions, make_institution, survey_row, survey_xlsx

pytestmark = pytest.mark.django_db
IS = InstitutionStatus


@pytest.fixture
def regulator(client: Any) -> Any:
    divisions()
    user = RegulatorFactory(username="lt_unlicensed")
    client.force_login(user)
    return user


def import_rows(client: Any, rows: list[dict[str, Any]], capture: Any) -> None:
    with capture(execute=True):
        response = client.post(
            "/registry/imports/survey/",
            {"file": SimpleUploadedFile("s.xlsx", survey_xlsx(rows)), "mode": "all", "year": 2026},
        )
    assert response.status_code == 302


def test_survey_rows_without_a_licence_are_unlicensed_and_list_as_such(
    client: Any, regulator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        survey_row(name="龙亭区无证补习班"),
        survey_row(name="龙亭区自称申请中补习班", status="申请中"),
        survey_row(name="龙亭区持证学校", licence_no="教民14102020260001"),
    ]
    import_rows(client, rows, django_capture_on_commit_callbacks)
    status = dict(Institution.objects.values_list("name", "status"))
    assert status == {
        "龙亭区无证补习班": IS.UNLICENSED,
        "龙亭区自称申请中补习班": IS.UNLICENSED,
        "龙亭区持证学校": IS.ACTIVE,
    }

    url = reverse("registry:institution_list")
    unlicensed = client.get(url, {"status": IS.UNLICENSED})
    listed = {i.name for i in unlicensed.context["page"].object_list}
    assert listed == {"龙亭区无证补习班", "龙亭区自称申请中补习班"}
    page = unlicensed.content.decode()
    assert "无证办学" in page and "申请中</td>" not in page
    assert not client.get(url, {"status": IS.APPLYING}).context["page"].object_list
    # Flagged as a violation and kept off the white list.
    today = timezone.localdate()
    assert set(Institution.objects.filter(violations_q(today)).values_list("name", flat=True)) >= listed
    assert not Institution.objects.filter(whitelist_q(today), status=IS.UNLICENSED).exists()
    # A re-import without a licence does not turn them into applications.
    import_rows(client, rows[:2], django_capture_on_commit_callbacks)
    assert set(Institution.objects.filter(status=IS.UNLICENSED).values_list("name", flat=True)) == listed


def test_the_rule_names_the_unlicensed_operation() -> None:
    found = check_institution(
        category="non_subject",
        uscc="52410202MA00000000",
        licence_no=None,
        licence_expires_on=None,
        status=IS.UNLICENSED,
        today=timezone.localdate(),
    )
    assert [v.code for v in found] == ["unlicensed_operation"]
    assert "无证办学" in found[0].message


def test_a_regulator_may_close_but_not_license_by_hand(regulator: Any) -> None:
    inst = make_institution(status=IS.UNLICENSED, licence_no=None)
    with pytest.raises(ValidationError) as exc:
        services.institution_change_status(actor=regulator, institution=inst, status=IS.ACTIVE, reason="补办")
    assert exc.value.code == "invalid_transition"
    services.institution_change_status(actor=regulator, institution=inst, status=IS.STOPPED, reason="依法取缔")
    inst.refresh_from_db()
    assert inst.status == IS.STOPPED


def test_the_data_migration_moves_only_surveyed_rows_without_a_licence() -> None:
    divisions()
    surveyed = make_institution(name="旧导入无证", status=IS.APPLYING, licence_no=None)
    SurveyRecord.objects.create(institution=surveyed, year=2025, division_code="410202")
    applied = make_institution(name="真实申请", status=IS.APPLYING, licence_no=None)
    SurveyRecord.objects.create(institution=applied, year=2025, division_code="410202")
    LicenceApplication.objects.create(
        institution=applied, applicant=OperatorFactory.create(), division_code="410202", department="education"
    )
    plain = make_institution(name="未排查申请", status=IS.APPLYING, licence_no=None)
    migration = importlib.import_module("shuangjian.registry.migrations.0007_institution_unlicensed")
    migration.forwards(apps, None)
    status = dict(Institution.objects.values_list("name", "status"))
    assert status["旧导入无证"] == IS.UNLICENSED
    assert status["真实申请"] == IS.APPLYING and status[plain.name] == IS.APPLYING
    migration.backwards(apps, None)
    assert Institution.objects.get(pk=surveyed.pk).status == IS.APPLYING
