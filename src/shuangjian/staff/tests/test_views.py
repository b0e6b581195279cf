from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.schools.services import roster_upload
from shuangjian.staff import services
from shuangjian.staff.models import Employment, PersonBlacklist, Qualification
from shuangjian.staff.selectors import public_trainers_for_institution

from .factories import (
    InstitutionFactory,
    OperatorFactory,
    SchoolAdminUserFactory,
    math_teacher,
    rid,
    roster_file,
    school_of,
)

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


FORM = {
    "name": "王老师",
    "resident_id": "",
    "phone": "13800138000",
    "role": "trainer",
    "start": "2026-09-01",
    "subjects": ["math"],
    "field": "",
    "cert_kind": "teacher_certificate",
    "cert_number": "20194100201",
    "cert_subject": "math",
    "cert_level": "junior",
    "cert_field": "",
    "cert_name": "",
}


def test_operator_adds_person_employment_and_certificate_through_one_form() -> None:
    op = OperatorFactory.create()
    c = login(op)
    assert c.get("/staff/new/").status_code == 200
    r = c.post("/staff/new/", {**FORM, "resident_id": rid(1)})
    assert r.status_code == 302, r.content.decode()[:2000]
    e = Employment.objects.get()
    assert Qualification.objects.get(person=e.person).number == "20194100201"
    page = c.get(r["Location"]).content.decode()
    assert rid(1) not in page and rid(1)[:6] + "********" + rid(1)[-4:] in page


def test_bad_form_write_answers_with_violations_and_writes_nothing() -> None:
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(2))]))
    c = login(OperatorFactory.create())
    r = c.post("/staff/new/", {**FORM, "resident_id": rid(2), "cert_subject": "chinese"})
    html = r.content.decode()
    assert r.status_code == 422
    assert 'data-testid="violations"' in html
    assert "在职教师" in html and "教师资格证" in html and "第十三条" in html
    assert not Employment.objects.exists() and not Qualification.objects.exists()


def test_operator_list_shows_only_own_staff_masked(django_assert_max_num_queries: Any) -> None:
    op = OperatorFactory.create()
    for n in range(6):
        services.employment_create(actor=op, data=math_teacher(rid(10 + n), name=f"教师{n}"))
    other = OperatorFactory.create()
    services.employment_create(actor=other, data=math_teacher(rid(30), name="别家老师"))
    c = login(op)
    with django_assert_max_num_queries(12):
        r = c.get("/staff/")
    html = r.content.decode()
    assert r.status_code == 200 and "教师5" in html and "别家老师" not in html
    assert rid(10) not in html and html.count('data-testid="masked-id"') == 6


def test_regulator_sees_county_staff_and_other_county_is_404() -> None:
    op = OperatorFactory.create()
    mine = services.employment_create(actor=op, data=math_teacher(rid(40), name="本区老师"))
    far = OperatorFactory.create(institution=InstitutionFactory.create(division_code="410212"))
    theirs = services.employment_create(actor=far, data=math_teacher(rid(41), name="外区老师"))
    c = login(RegulatorFactory.create())
    html = c.get("/staff/").content.decode()
    assert "本区老师" in html and "外区老师" not in html and rid(40) not in html
    assert c.get(f"/staff/{mine.pk}/").status_code == 200
    assert c.get(f"/staff/{theirs.pk}/").status_code == 404
    # Another institution's operator gets a 404 too, as do parents.
    assert login(OperatorFactory.create()).get(f"/staff/{mine.pk}/").status_code == 404


def test_flag_page_counts_and_resolution() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(50)))
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(50))]))
    reg = RegulatorFactory.create()
    c = login(reg)
    html = c.get("/staff/flags/").content.decode()
    assert "王老师" in html and "在职中小学教师" in html and rid(50) not in html
    flag = e.flags.get()
    assert c.post(f"/staff/flags/{flag.pk}/resolve/", {"reason": "已责令解聘"}).status_code == 302
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolution == "已责令解聘"
    far = RegulatorFactory.create(scope_code="410212")
    assert login(far).post(f"/staff/flags/{flag.pk}/resolve/", {"reason": "x"}).status_code == 404
    assert "王老师" not in login(far).get("/staff/flags/").content.decode()


def test_blacklist_page_add_and_lift() -> None:
    reg = RegulatorFactory.create()
    c = login(reg)
    r = c.post(
        "/staff/blacklist/",
        {"name": "孙某", "resident_id": rid(60), "reason": "违规", "start": "2026-01-01", "end": "", "legal_basis": ""},
    )
    assert r.status_code == 302
    entry = PersonBlacklist.objects.get()
    assert "第53号" in entry.legal_basis
    html = c.get("/staff/blacklist/").content.decode()
    assert "孙某" in html and rid(60) not in html
    bad = c.post("/staff/blacklist/", {"name": "x", "resident_id": "1", "reason": "r", "start": "2026-01-01"})
    assert bad.status_code == 422 and PersonBlacklist.objects.count() == 1
    assert c.post(f"/staff/blacklist/{entry.pk}/lift/", {"reason": "期满"}).status_code == 302
    entry.refresh_from_db()
    assert entry.lifted_at is not None
    assert login(OperatorFactory.create()).get("/staff/blacklist/").status_code == 404


def test_public_trainers_selector_masks_names_and_lists_certificate_numbers() -> None:
    op = OperatorFactory.create()
    e = services.employment_create(actor=op, data=math_teacher(rid(70), name="张三丰"))
    gone = services.employment_create(actor=op, data=math_teacher(rid(71), name="李四"))
    services.employment_end(actor=op, employment=gone, end=datetime.date(2026, 9, 2))
    rows = public_trainers_for_institution(e.institution)
    assert rows == [{"name": "张**", "certificate_number": f"C{rid(70)[-8:]}", "subject": "数学"}]


def test_dashboard_cards_for_regulator_and_school() -> None:
    op = OperatorFactory.create()
    services.employment_create(actor=op, data=math_teacher(rid(80)))
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("王老师", rid(80)), ("李老师", rid(81))]))
    reg_html = login(RegulatorFactory.create()).get("/").content.decode()
    assert "待处理从业问题" in reg_html
    assert "在职教师名单人数" in login(admin).get("/").content.decode()
    assert "在职从业人员" in login(op).get("/").content.decode()


def test_list_filters_flagged_and_uncertified() -> None:
    op = OperatorFactory.create()
    services.employment_create(actor=op, data=math_teacher(rid(90), name="持证老师"))
    services.employment_create(actor=op, data=math_teacher(rid(91), name="在编老师"))
    bare = services.employment_create(actor=op, data=math_teacher(rid(92), name="无证老师"))
    Qualification.objects.filter(person=bare.person).delete()  # as if recorded before the rules (demo data)
    admin = SchoolAdminUserFactory.create()
    roster_upload(actor=admin, school=school_of(admin), file=roster_file([("在编老师", rid(91))]))
    c = login(RegulatorFactory.create())
    flagged = c.get("/staff/", {"flagged": "1"}).content.decode()
    assert "在编老师" in flagged and "持证老师" not in flagged and "无证老师" not in flagged
    uncertified = c.get("/staff/", {"uncertified": "1"}).content.decode()
    assert "无证老师" in uncertified and "持证老师" not in uncertified


def test_operator_adds_certificate_and_ends_employment_on_the_detail_page() -> None:
    from shuangjian.core.models import AuditEvent

    inst = InstitutionFactory.create()
    op = OperatorFactory.create(institution=inst)
    e = services.employment_create(actor=op, data=math_teacher(rid(95)))
    c = login(op)
    url = f"/staff/{e.pk}/"
    bad = c.post(url, {"q-kind": "teacher_certificate", "q-number": "N-1", "q-subject": "", "q-level": ""})
    assert bad.status_code == 422 and "教师资格证须注明任教学科" in bad.content.decode()
    ok = c.post(url, {"q-kind": "professional", "q-number": "P-9", "q-field": "arts", "q-name": "钢琴教师资格"})
    assert ok.status_code == 302 and Qualification.objects.filter(person=e.person, number="P-9").exists()
    early = c.post(url, {"e-end": "2020-01-01"})
    assert early.status_code == 422 and "离职日期不能早于入职日期" in early.content.decode()
    assert c.post(url, {"e-end": "2026-10-31"}).status_code == 302
    e.refresh_from_db()
    assert e.end == datetime.date(2026, 10, 31)
    assert AuditEvent.objects.filter(action="staff.employment_end", object_id=str(e.pk)).exists()
    # A regulator may read the page but its POSTs change nothing.
    reg = login(RegulatorFactory.create())
    reg.post(url, {"e-end": "2026-11-30"})
    e.refresh_from_db()
    assert e.end == datetime.date(2026, 10, 31)
