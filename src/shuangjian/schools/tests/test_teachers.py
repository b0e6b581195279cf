"""In-service teachers: pledges (unsigned listed, signing by link, immutable once signed) and the cases the roster
cross-check opens (school informed with a deadline, outcome recorded by the county, listeners called)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.utils import timezone
from docx import Document

from shuangjian.core.audit import AuditEvent
from shuangjian.core.calendar import add_working_days
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.schools import hooks, teachers
from shuangjian.schools.models import CaseOutcome, CaseStatus, InServiceCase, Pledge, SignedVia
from shuangjian.schools.services import roster_upload
from shuangjian.staff import services as staff_services
from shuangjian.staff.tests.factories import (
    OperatorFactory,
    SchoolAdminUserFactory,
    SchoolFactory,
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


def _pledges(admin: Any, rows: list[tuple[str, str]]) -> list[Pledge]:
    school = school_of(admin)
    roster_upload(actor=admin, school=school, file=roster_file(rows))
    teachers.pledges_prepare(actor=admin, school=school, year=timezone.localdate().year)
    return list(Pledge.objects.filter(school=school).order_by("name"))


def test_unsigned_teachers_are_listed_and_links_sign() -> None:
    admin = SchoolAdminUserFactory.create()
    a, b = _pledges(admin, [("张老师", rid(11)), ("李老师", rid(12))])
    teachers.pledge_sign_online(pledge=a, name=a.name, id_last4=a.resident_id[-4:], ip="10.0.0.1")
    page = login(admin).get("/schools/pledges/").content.decode()
    assert "1 人尚未签署" in page and page.count('data-testid="unsigned"') == 1 and "李老师" in page
    a.refresh_from_db()
    assert a.signed_via == SignedVia.ONLINE and a.signed_ip_hash and "10.0.0.1" not in a.signed_ip_hash
    assert not Pledge.objects.get(pk=b.pk).is_signed


def test_wrong_identity_does_not_sign_and_bad_tokens_are_404() -> None:
    admin = SchoolAdminUserFactory.create()
    (p,) = _pledges(admin, [("王老师", rid(13))])
    with pytest.raises(ValidationError):
        teachers.pledge_sign_online(pledge=p, name="王老师", id_last4="0000", ip=None)
    assert not Pledge.objects.get(pk=p.pk).is_signed
    token = teachers.pledge_token(p)
    assert teachers.pledge_from_token(token) == p
    with pytest.raises(Http404):
        teachers.pledge_from_token(token[:-2] + "xx")
    assert Client().get(f"/schools/pledge/{token}x/").status_code == 404
    r = Client().post(f"/schools/pledge/{token}/", {"name": "王老师", "id_last4": "9999"})
    assert r.status_code == 422 and "不符" in r.content.decode()


def test_signed_pledge_cannot_be_changed_and_the_attempt_is_audited() -> None:
    admin = SchoolAdminUserFactory.create()
    (p,) = _pledges(admin, [("赵老师", rid(14))])
    signed = teachers.pledge_sign_online(pledge=p, name="赵老师", id_last4=p.resident_id[-4:], ip="1.2.3.4")
    first = signed.signed_at
    with pytest.raises(teachers.PledgeSigned):
        teachers.pledge_sign_online(pledge=p, name="赵老师", id_last4=p.resident_id[-4:], ip="5.6.7.8")
    with pytest.raises(teachers.PledgeSigned):
        teachers.pledge_record_paper(actor=admin, pledge=p)
    p.refresh_from_db()
    assert p.signed_at == first and p.signed_via == SignedVia.ONLINE
    assert AuditEvent.objects.filter(action="schools.pledge_change_refused", object_id=str(p.pk)).count() == 2
    assert AuditEvent.objects.filter(action="schools.pledge_sign").count() == 1


def test_paper_signing_with_scan_and_the_word_file() -> None:
    admin = SchoolAdminUserFactory.create()
    (p,) = _pledges(admin, [("钱老师", rid(15))])
    png = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    r = login(admin).post(f"/schools/pledges/{p.pk}/paper/", {"scan": png})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.signed_via == SignedVia.PAPER and p.recorded_by == admin and p.scan
    doc = login(admin).get(f"/schools/pledges/{p.pk}/docx/")
    text = "\n".join(par.text for par in Document(io.BytesIO(doc.content)).paragraphs)
    assert "钱老师" in text and "承诺书" in text and "纸质签署" in text


def test_one_school_cannot_reach_anothers_pledges() -> None:
    admin = SchoolAdminUserFactory.create()
    (p,) = _pledges(admin, [("孙老师", rid(16))])
    other = SchoolAdminUserFactory.create(school=SchoolFactory.create())
    assert login(other).get(f"/schools/pledges/{p.pk}/docx/").status_code == 404
    assert login(other).post(f"/schools/pledges/{p.pk}/paper/", {}).status_code == 404
    assert not Pledge.objects.get(pk=p.pk).is_signed
    with pytest.raises(Http404):
        teachers.pledges_prepare(actor=other, school=school_of(admin), year=2026)


# --- cases ---------------------------------------------------------------------------------------------------------


def test_roster_flag_opens_a_case_the_school_answers_and_the_county_decides() -> None:
    heard: list[InServiceCase] = []

    def listener(*, actor: Any, case: InServiceCase) -> None:
        heard.append(case)

    hooks.register_inservice_case_listener(listener)
    try:
        op = OperatorFactory.create()
        staff_services.employment_create(actor=op, data=math_teacher(rid(17), name="周老师"))
        admin = SchoolAdminUserFactory.create()
        result = roster_upload(actor=admin, school=school_of(admin), file=roster_file([("周老师", rid(17))]))
    finally:
        hooks._case_listeners.remove(listener)
    assert len(result.flagged) == 1
    case = InServiceCase.objects.get()
    assert heard == [case]
    assert case.school == school_of(admin) and case.institution_id == op.operated.institution_id
    assert case.answer_due == add_working_days(timezone.localdate(), 5)
    assert case.status == CaseStatus.AWAITING_SCHOOL
    # The school sees it on its pages; another school does not.
    assert "周老师" in login(admin).get("/schools/cases/").content.decode()
    stranger = SchoolAdminUserFactory.create(school=SchoolFactory.create())
    assert login(stranger).get(f"/schools/cases/{case.pk}/").status_code == 404
    # A school cannot decide; it answers.
    r = login(admin).post(f"/schools/cases/{case.pk}/", {"action": "decide", "outcome": "confirmed"})
    assert r.status_code == 422 and InServiceCase.objects.get().outcome == ""
    r = login(admin).post(f"/schools/cases/{case.pk}/", {"action": "answer", "answer": "已约谈该教师。"})
    assert r.status_code == 302 and InServiceCase.objects.get().status == CaseStatus.ANSWERED
    reg = RegulatorFactory.create()
    r = login(reg).post(
        f"/schools/cases/{case.pk}/", {"action": "decide", "outcome": CaseOutcome.CONFIRMED, "note": "查实"}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.CONFIRMED and case.decided_by == reg
    with pytest.raises(ValidationError):
        teachers.case_decide(actor=reg, case=case, outcome=CaseOutcome.NOT_CONFIRMED, note="")
    far = RegulatorFactory.create(scope_code="410205")
    assert login(far).get(f"/schools/cases/{case.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="schools.case_").count() == 3


def test_listener_registration_is_idempotent() -> None:
    def fn(*, actor: Any, case: InServiceCase) -> None: ...

    hooks.register_inservice_case_listener(fn)
    hooks.register_inservice_case_listener(fn)
    try:
        assert hooks.inservice_case_listeners().count(fn) == 1
    finally:
        hooks._case_listeners.remove(fn)


def test_the_link_stops_accepting_guesses(settings: Any) -> None:
    settings.PLEDGE_SIGN_MAX_FAILURES = 3
    admin = SchoolAdminUserFactory.create()
    (p,) = _pledges(admin, [("吴老师", rid(18))])
    wrong = "0000" if not p.resident_id.endswith("0000") else "1111"
    for _attempt in range(3):
        with pytest.raises(ValidationError) as exc:
            teachers.pledge_sign_online(pledge=p, name="吴老师", id_last4=wrong, ip=None)
        assert exc.value.code == "pledge_identity"
    with pytest.raises(ValidationError) as exc:
        teachers.pledge_sign_online(pledge=p, name="吴老师", id_last4=p.resident_id[-4:], ip=None)
    assert exc.value.code == "pledge_locked"
    assert not Pledge.objects.get(pk=p.pk).is_signed
