"""After-school service: fee caps by stage, 5+2 coverage, Excel import all-or-nothing, white-listed providers."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from shuangjian.core.audit import AuditEvent
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.export_helpers import export_download
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry.tests.factories import InstitutionFactory, WhitelistedInstitutionFactory
from shuangjian.schools import afterschool, rules
from shuangjian.schools.models import School, SchoolClass, SchoolKind, ServicePlan
from shuangjian.schools.services import RosterRowsInvalid
from shuangjian.staff.tests.factories import SchoolAdminUserFactory, SchoolFactory, school_of

TERM = "2026-autumn"


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- rules ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "fee", "ok"),
    [(1, 8000, True), (6, 8001, False), (7, 8001, True), (9, 12000, True), (9, 12001, False), (3, 0, True)],
)
def test_fee_caps_by_stage(grade: int, fee: int, ok: bool) -> None:
    found = rules.check_fee(grade=grade, fee_fen=fee)
    assert (found == []) is ok
    if not ok:
        assert found[0].code == "schools.fee_over_cap" and "许昌" in found[0].basis


def test_fee_cap_is_a_setting(settings: Any) -> None:
    settings.AFTERSCHOOL_FEE_CAP_PRIMARY_FEN = 6000
    assert rules.check_fee(grade=2, fee_fen=7000)[0].code == "schools.fee_over_cap"


@given(days=st.integers(0, 7), minutes=st.integers(0, 600))
def test_five_plus_two_needs_five_days_and_two_hours(days: int, minutes: int) -> None:
    found = {v.code for v in rules.check_plan(days_per_week=days, minutes_per_day=minutes)}
    assert ("schools.days_short" in found) is (days < 5)
    assert ("schools.hours_short" in found) is (minutes < 120)


def test_terms() -> None:
    import datetime

    assert rules.term_of(datetime.date(2026, 9, 1)) == "2026-autumn"
    assert rules.term_of(datetime.date(2027, 1, 10)) == "2026-autumn"
    assert rules.term_of(datetime.date(2027, 3, 1)) == "2027-spring"


# --- coverage ------------------------------------------------------------------------------------------------------


def _plan(school: School, days: int, minutes: int) -> None:
    ServicePlan.objects.create(
        school=school, term=TERM, days_per_week=days, minutes_per_day=minutes, division_code=school.division_code
    )


def _klass(school: School, grade: int, asked: int, served: int, fee: int = 5000) -> None:
    SchoolClass.objects.create(
        school=school,
        term=TERM,
        grade=grade,
        name=f"{grade}-{asked}-{served}",
        pupils=50,
        asked=asked,
        served=served,
        fee_fen=fee,
        division_code=school.division_code,
    )


@pytest.mark.django_db
def test_coverage_counted_exactly_for_a_fixed_set_of_schools() -> None:
    a = SchoolFactory.create(kind=SchoolKind.PRIMARY)  # 5+2, everyone served
    b = SchoolFactory.create(kind=SchoolKind.JUNIOR)  # 4 days: short
    c = SchoolFactory.create(kind=SchoolKind.NINE_YEAR)  # 5 days × 90 minutes: short, and pupils short
    d = SchoolFactory.create(kind=SchoolKind.PRIMARY)  # no plan
    e = SchoolFactory.create(kind=SchoolKind.SENIOR)  # not compulsory: not counted
    other = SchoolFactory.create(kind=SchoolKind.PRIMARY, division_code="410205")  # another county
    _plan(a, 5, 120)
    _plan(b, 4, 150)
    _plan(c, 5, 90)
    _plan(e, 5, 120)
    _plan(other, 5, 120)
    _klass(a, 3, 40, 40)
    _klass(a, 4, 30, 30)
    _klass(b, 8, 20, 20)
    _klass(c, 2, 50, 35)
    _klass(other, 1, 10, 5)
    pairs = afterschool.school_services(School.objects.filter(division_code="410202"), TERM)
    cov = rules.coverage(svc for _s, svc in pairs)
    assert (cov.schools, cov.schools_5_2, cov.asked, cov.served) == (4, 1, 140, 125)
    assert cov.school_percent == 25.0 and cov.pupil_percent == round(100 * 125 / 140, 1)
    assert set(cov.short) == {b.pk, c.pk, d.pk}
    counties = afterschool.coverage_by_county(afterschool.school_services(School.objects.all(), TERM), {})
    assert [(x.code, x.coverage.schools, x.coverage.schools_5_2) for x in counties] == [
        ("410202", 4, 1),
        ("410205", 1, 1),
    ]
    assert counties[1].coverage.short == (other.pk,)  # 5+2, but half the pupils who asked are not served


# --- Excel import --------------------------------------------------------------------------------------------------


def xlsx(rows: list[list[Any]], headers: tuple[str, ...] | None = None) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers or afterschool.class_headers()))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("classes.xlsx", out.getvalue())


@pytest.mark.django_db
def test_import_reports_every_bad_row_and_imports_nothing() -> None:
    admin = SchoolAdminUserFactory.create()
    school = school_of(admin)
    _klass(school, 1, 1, 1)  # the term's existing class stays when the import fails
    f = xlsx(
        [
            [1, "一（1）班", 45, 40, 40, 60],  # fine
            [10, "十班", 45, 40, 40, 60],  # grade outside compulsory education
            [2, "", 45, 40, 40, 60],  # no name
            [3, "三（1）班", 45, 50, 40, 60],  # more asked than pupils
            [4, "四（1）班", "四十", 40, 40, "六十"],  # two bad numbers
            [1, "一（1）班", 45, 40, 40, 60],  # duplicate of row 2
        ]
    )
    with pytest.raises(RosterRowsInvalid) as exc:
        afterschool.classes_import(actor=admin, school=school, term=TERM, file=f)
    got = [(e.row, e.column) for e in exc.value.errors]
    assert got == [
        (3, "年级"),
        (4, "班级"),
        (5, "申请人数"),
        (6, "学生人数"),
        (6, "每生每月收费（元）"),
        (7, "班级"),
    ]
    assert list(SchoolClass.objects.values_list("name", flat=True)) == ["1-1-1"]


@pytest.mark.django_db
def test_import_replaces_the_terms_classes_and_keeps_over_cap_fees_flagged() -> None:
    admin = SchoolAdminUserFactory.create()
    school = school_of(admin)
    _klass(school, 1, 1, 1)
    created = afterschool.classes_import(
        actor=admin,
        school=school,
        term=TERM,
        file=xlsx([[1, "一（1）班", 45, 40, 38, 60], [7, "七（1）班", 50, 30, 30, "150.5"]]),
    )
    assert len(created) == 2
    assert sorted(SchoolClass.objects.values_list("name", "fee_fen")) == [("一(1)班", 6000), ("七(1)班", 15050)]
    over = afterschool.over_cap_classes(School.objects.all(), TERM)
    assert [c.name for c in over] == ["七(1)班"]
    assert AuditEvent.objects.filter(action="schools.classes_import").count() == 1


@pytest.mark.django_db
def test_import_page_lists_bad_rows_and_template_downloads() -> None:
    admin = SchoolAdminUserFactory.create()
    c = login(admin)
    r = c.post("/schools/afterschool/classes/import/", {"file": xlsx([[12, "x", 1, 1, 1, 1], [1, "y", 1, 2, 1, 1]])})
    assert r.status_code == 422
    body = r.content.decode()
    assert "有 2 处错误，未导入任何数据" in body
    assert not SchoolClass.objects.exists()
    t = c.get("/schools/afterschool/classes/template.xlsx")
    assert t.status_code == 200 and t["Content-Disposition"].startswith("attachment")


# --- plans and providers --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_white_listed_institutions_may_provide() -> None:
    admin = SchoolAdminUserFactory.create()
    school = school_of(admin)
    white = WhitelistedInstitutionFactory.create()
    grey = InstitutionFactory.create()  # never inspected: not on the white list
    with pytest.raises(RuleViolationError) as exc:
        afterschool.plan_save(
            actor=admin,
            school=school,
            term=TERM,
            days_per_week=5,
            minutes_per_day=120,
            activities="",
            teachers="",
            providers=[(white, ""), (grey, "")],
        )
    assert [v.code for v in exc.value.violations] == ["schools.provider_not_whitelisted"]
    assert not ServicePlan.objects.exists()
    plan = afterschool.plan_save(
        actor=admin,
        school=school,
        term=TERM,
        days_per_week=5,
        minutes_per_day=120,
        activities="体育、艺术",
        teachers="张老师",
        providers=[(white, "")],
    )
    assert [p.institution_id for p in plan.providers.all()] == [white.pk]
    # The form offers only the white list.
    page = login(admin).get("/schools/afterschool/plan/edit/")
    assert white.name in page.content.decode() and grey.name not in page.content.decode()


@pytest.mark.django_db
def test_plan_edit_round_trip_changes_nothing() -> None:
    admin = SchoolAdminUserFactory.create()
    school = school_of(admin)
    afterschool.plan_save(
        actor=admin,
        school=school,
        term=afterschool.current_term(),
        days_per_week=4,
        minutes_per_day=100,
        activities="阅读",
        teachers="李老师",
    )
    before = AuditEvent.objects.count()
    c = login(admin)
    form = c.get("/schools/afterschool/plan/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    r = c.post("/schools/afterschool/plan/edit/", data)
    assert r.status_code == 302
    plan = ServicePlan.objects.get()
    assert (plan.days_per_week, plan.minutes_per_day, plan.activities) == (4, 100, "阅读")
    assert AuditEvent.objects.count() == before
    assert "未达到“5+2”" in c.get("/schools/afterschool/").content.decode()


# --- access --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_school_admin_sees_only_their_school_and_regulator_only_their_county() -> None:
    admin = SchoolAdminUserFactory.create()
    mine = school_of(admin)
    theirs = SchoolFactory.create(name="别的学校")
    far = SchoolFactory.create(name="外县学校", division_code="410205")
    term = afterschool.current_term()
    for s in (mine, theirs, far):
        ServicePlan.objects.create(
            school=s, term=term, days_per_week=3, minutes_per_day=60, division_code=s.division_code
        )
    other_admin = SchoolAdminUserFactory.create(school=theirs)
    with pytest.raises(Exception) as exc:
        afterschool.plan_save(
            actor=other_admin,
            school=mine,
            term=term,
            days_per_week=5,
            minutes_per_day=120,
            activities="",
            teachers="",
        )
    assert exc.type.__name__ == "Http404"
    page = login(admin).get("/schools/afterschool/").content.decode()
    assert mine.name in page and "别的学校" not in page
    assert login(admin).get("/schools/afterschool/coverage/").status_code == 404
    reg = RegulatorFactory.create()  # scope 410202
    cov = login(reg).get("/schools/afterschool/coverage/")
    assert cov.status_code == 200
    body = cov.content.decode()
    assert "别的学校" in body and "外县学校" not in body
    assert login(reg).get("/schools/afterschool/").status_code == 404
    export = export_download(login(reg), "/schools/afterschool/coverage.xlsx")
    assert export.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    names = [row[1] for row in wb.active.iter_rows(min_row=2, values_only=True)]
    assert "外县学校" not in names and "别的学校" in names
