"""Registry pages: list filters, scope, query bounds; institution record; operator pages; zombies."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from shuangjian.core.models import AuditEvent, JobStatus
from shuangjian.core.tests.export_helpers import start_count
from shuangjian.registry import services
from shuangjian.registry.models import (
    AnnualInspection,
    ApplicationStatus,
    BlacklistEntry,
    Category,
    Institution,
    InstitutionStatus,
    LicenceApplication,
    NonSubjectField,
    Site,
)
from shuangjian.registry.tests.factories import (
    ApplyingInstitutionFactory,
    InstitutionFactory,
    SiteFactory,
    operator_for,
    pdf,
)

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def names(resp: Any) -> set[str]:
    return {i.name for i in resp.context["page"].object_list}


def test_list_scoped_and_filtered(edu: Any, xf_edu: Any, django_assert_max_num_queries: Any) -> None:
    today = timezone.localdate()
    good = InstitutionFactory.create(name="好机构", supervision_mode="bank_custody")
    AnnualInspection.objects.create(
        institution=good, year=today.year - 1, result="passed", inspected_on=today, division_code="410202"
    )
    arts = InstitutionFactory.create(name="艺术机构", category=Category.NON_SUBJECT, field=NonSubjectField.ARTS)
    zombie = InstitutionFactory.create(name="僵尸机构甲", licence_issued_on=datetime.date(today.year - 5, 1, 1))
    black = InstitutionFactory.create(name="黑名单机构")
    BlacklistEntry.objects.create(
        institution=black,
        reason="r",
        legal_basis="b",
        start=today,
        publisher=edu,
        department="education",
        division_code="410202",
    )
    bad_site = SiteFactory.create(
        institution=InstitutionFactory.create(name="地下室机构"), is_basement=True
    ).institution
    InstitutionFactory.create(name="祥符机构", division_code="410212")
    for _ in range(25):
        InstitutionFactory.create()
    c = login(edu)
    url = reverse("registry:institution_list")
    # 30 rows on the page: a fixed number of queries (the flags cost one query for the page, not one per row; the
    # county names one for the page, until the process has them).
    with django_assert_max_num_queries(10):
        resp = c.get(url)
    assert resp.status_code == 200 and resp.context["page"].paginator.count == 30
    assert "祥符机构" not in resp.content.decode()
    assert "艺术机构" in names(c.get(url, {"field": "arts"})) and len(names(c.get(url, {"field": "arts"}))) == 1
    assert names(c.get(url, {"zombie": "1"})) == {zombie.name}
    assert names(c.get(url, {"listing": "black"})) == {black.name}
    white = names(c.get(url, {"listing": "white", "q": "机构"}))
    assert good.name in white and black.name not in white and zombie.name not in white
    assert bad_site.name in names(c.get(url, {"violations": "1"}))
    assert names(c.get(url, {"q": arts.uscc})) == {arts.name}
    assert names(login(xf_edu).get(url)) == {"祥符机构"}


def test_institution_page_shows_record_and_is_scoped(edu: Any, xf_edu: Any) -> None:
    inst = InstitutionFactory.create()
    SiteFactory.create(institution=inst, usable_area_m2=90, name="小教学点")
    resp = login(edu).get(reverse("registry:institution_detail", args=[inst.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200 and "小教学点" in body and "30" in body  # capacity floor(90/3)
    assert "低于" in body  # area violation shown
    assert inst.legal_rep_id not in body and inst.legal_rep_id[-4:] in body  # masked
    assert login(xf_edu).get(reverse("registry:institution_detail", args=[inst.pk])).status_code == 404


def test_operator_sees_only_own_institution_and_edits_with_history(db: Any) -> None:
    inst = InstitutionFactory.create(name="旧名称")
    other = InstitutionFactory.create()
    op = operator_for(inst)
    c = login(op)
    assert c.get(reverse("registry:my_institution")).status_code == 200
    assert c.get(reverse("registry:institution_detail", args=[other.pk])).status_code == 404
    assert c.get(reverse("registry:institution_list")).status_code == 404
    resp = c.post(
        reverse("registry:my_institution_edit"),
        {"name": "新名称", "address": "新地址1号", "legal_rep_name": "李四", "training_format": "offline", "phone": ""},
    )
    assert resp.status_code == 302
    inst.refresh_from_db()
    assert inst.name == "新名称" and inst.address == "新地址1号"
    hist = list(inst.history.order_by("-history_date"))
    assert hist[0].name == "新名称" and hist[0].history_user == op
    assert AuditEvent.objects.filter(action="institution.update", object_id=str(inst.pk)).exists()
    page = c.get(reverse("registry:my_institution")).content.decode()
    assert "旧名称" in page  # history shown


def test_operator_adds_site_and_sees_violations(db: Any) -> None:
    inst = InstitutionFactory.create()
    c = login(operator_for(inst))
    resp = c.post(
        reverse("registry:my_site_new"),
        {
            "name": "四楼教学点",
            "address": "x路1号",
            "usable_area_m2": "120",
            "floor": "4",
            "lease_end": (timezone.localdate() + datetime.timedelta(days=500)).isoformat(),
            "serves_children_12_or_under": "on",
            "is_active": "on",
        },
        follow=True,
    )
    site = Site.objects.get(name="四楼教学点")
    assert site.institution == inst and site.division_code == inst.division_code
    assert "4 层及以上" in resp.content.decode()
    c.post(
        reverse("registry:my_site_edit", args=[site.pk]),
        {"name": "四楼教学点", "address": "y路2号", "usable_area_m2": "120", "floor": "2", "is_active": "on"},
    )
    page = c.get(reverse("registry:my_institution")).content.decode()
    assert "x路1号" in page and "y路2号" in page  # both versions in the site history
    assert site.history.count() == 2


def test_operator_application_page_submit_and_status(edu: Any) -> None:
    inst = ApplyingInstitutionFactory.create()
    op = operator_for(inst)
    c = login(op)
    resp = c.post(reverse("registry:apply"), {"kind": "章程", "files": [pdf()], "comment": "请审批"})
    assert resp.status_code == 302
    app = LicenceApplication.objects.get(institution=inst)
    bad = c.post(reverse("registry:apply"), {"kind": "x", "files": [pdf()]})
    assert bad.status_code == 404 and LicenceApplication.objects.count() == 1
    services.licence_application_return(actor=edu, application=app, comment="请补充房产证明")
    page = c.get(reverse("registry:apply")).content.decode()
    assert "请补充房产证明" in page and "退回补正" in page
    wrong = c.post(reverse("registry:apply"), {"kind": "房产", "files": [SimpleUploadedFile("a.exe", b"MZ")]})
    assert wrong.status_code == 200 and "格式不支持" in wrong.content.decode()
    c.post(reverse("registry:apply"), {"kind": "房产", "files": [pdf("房产.pdf")]})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.materials.count() == 2


def test_regulator_acts_through_page_and_downloads_decision(edu: Any, sports: Any) -> None:
    # A sports institution (no new subject-type ones are approved: 意见 §13), decided by the sports department.
    inst = ApplyingInstitutionFactory.create(
        category=Category.NON_SUBJECT, field=NonSubjectField.SPORTS, licensed_subjects=[]
    )
    SiteFactory.create(institution=inst)
    op = operator_for(inst)
    app = services.licence_application_submit(actor=op, materials=[("章程", pdf())])
    url = reverse("registry:application_detail", args=[app.pk])
    # Wrong department sees the application but cannot act.
    resp = login(edu).post(url, {"action": "accept", "comment": ""})
    assert resp.status_code == 200
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    c = login(sports)
    for verb in ("accept", "start_review", "pass_review", "approve"):
        assert c.post(url, {"action": verb, "comment": "同意"}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    doc = c.get(reverse("registry:application_decision", args=[app.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "准予" in text
    material = app.materials.get()
    assert c.get(reverse("registry:application_material", args=[app.pk, material.pk])).status_code == 200
    # The applicant reads it too; another operator does not.
    assert login(op).get(url).status_code == 200
    assert login(operator_for(InstitutionFactory.create())).get(url).status_code == 404


def test_queue_marks_overdue(edu: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(5):
        inst = ApplyingInstitutionFactory.create()
        services.licence_application_submit(actor=operator_for(inst), materials=[("x", pdf())])
    LicenceApplication.objects.filter(pk=LicenceApplication.objects.earliest("pk").pk).update(
        step_due_on=datetime.date(2020, 1, 1)
    )
    c = login(edu)
    with django_assert_max_num_queries(8):
        resp = c.get(reverse("registry:application_queue"))
    assert resp.content.decode().count("table-danger") == 1


def test_zombie_total_and_dashboard_figures_stop_at_their_caps(edu: Any, monkeypatch: Any) -> None:
    """Past the cap the zombie page says "超过 N 家" with a link to the exact total, and the dashboard's register
    figures say "N+"; under the caps both are exact."""
    from shuangjian.registry import selectors as registry_selectors
    from shuangjian.registry.views import institutions as institution_views

    today = timezone.localdate()
    for n in range(32):  # more than a page (30): the page's own rows are always counted
        InstitutionFactory.create(name=f"僵尸{n}", licence_issued_on=datetime.date(today.year - 6, 5, 1))
    c = login(edu)
    assert "共 32 家" in c.get(reverse("registry:zombies")).content.decode()
    figures = registry_selectors.regulator_figures(user=edu)
    assert figures["zombies"] == 32 and figures["institutions"] == 32
    monkeypatch.setattr(institution_views, "ZOMBIE_COUNT_CAP", 2)
    monkeypatch.setattr(registry_selectors, "CARD_COUNT_CAP", {"institutions": 2, "zombies": 1})
    page = c.get(reverse("registry:zombies")).content.decode()
    assert "超过 30 家" in page and "统计准确总数" in page and "count=exact" in page
    job = start_count(c, reverse("registry:zombies"))  # the exact total: a background job, back to the list
    assert job.kind == "export.registry.zombie_count" and job.result["data"]["count"] == 32
    assert "共 32 家" in c.get(reverse("registry:zombies")).content.decode()
    figures = registry_selectors.regulator_figures(user=edu)
    assert figures["zombies"] == "1+" and figures["institutions"] == "2+"
    assert "1+" in c.get(reverse("dashboard")).content.decode()


def test_zombie_page_and_one_click_deregistration(edu: Any, xf_edu: Any) -> None:
    today = timezone.localdate()
    z = InstitutionFactory.create(name="多年未年检", licence_issued_on=datetime.date(today.year - 6, 5, 1))
    AnnualInspection.objects.create(
        institution=z, year=today.year - 4, result="passed", inspected_on=today, division_code="410202"
    )
    c = login(edu)
    resp = c.get(reverse("registry:zombies"))
    assert [i.pk for i, _ in resp.context["rows"]] == [z.pk]
    assert (
        login(xf_edu).post(reverse("registry:institution_deregister", args=[z.pk]), {"reason": "x"}).status_code == 404
    )
    c.post(reverse("registry:institution_deregister", args=[z.pk]), {"reason": "连续两年未年检", "next": "zombies"})
    z.refresh_from_db()
    assert z.status == InstitutionStatus.DEREGISTERED
    assert AuditEvent.objects.filter(action="institution.deregister", object_id=str(z.pk)).exists()
    assert not c.get(reverse("registry:zombies")).context["rows"]


def test_inspection_and_blacklist_entry_from_page(edu: Any) -> None:
    inst = InstitutionFactory.create()
    c = login(edu)
    year = timezone.localdate().year - 1
    c.post(
        reverse("registry:annual_inspection_add", args=[inst.pk]),
        {"year": year, "result": "failed", "inspected_on": timezone.localdate().isoformat()},
    )
    assert AnnualInspection.objects.get(institution=inst, year=year).result == "failed"
    c.post(reverse("registry:blacklist_add", args=[inst.pk]), {"reason": "拒不整改", "legal_basis": "教育部令第53号"})
    entry = BlacklistEntry.objects.get(institution=inst)
    c.post(reverse("registry:blacklist_lift", args=[entry.pk]), {"reason": "整改到位"})
    entry.refresh_from_db()
    assert entry.end == timezone.localdate() - datetime.timedelta(days=1)
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "institution.annual_inspection",
        "blacklist.add",
        "blacklist.lift",
    }


def test_dashboard_cards(edu: Any) -> None:
    from shuangjian.registry.cards import registry_cards

    InstitutionFactory.create()
    titles = [str(card.title) for card in registry_cards(edu)]
    assert titles == ["在册机构", "待办审批", "超期审批", "僵尸机构"]
    op = operator_for(InstitutionFactory.create())
    assert str(registry_cards(op)[0].value) == "正常办学"
    assert Institution.objects.count() == 2


def test_admin_pages_read_only(db: Any) -> None:
    from shuangjian.core.tests.factories import PlatformAdminFactory

    inst = InstitutionFactory.create()
    SiteFactory.create(institution=inst)
    c = login(PlatformAdminFactory.create())
    for url in (
        "/admin/registry/institution/",
        f"/admin/registry/institution/{inst.pk}/change/",
        f"/admin/registry/institution/{inst.pk}/history/",
        "/admin/registry/licenceapplication/",
        "/admin/registry/institutionoperator/",
    ):
        assert c.get(url).status_code == 200, url
    assert c.get("/admin/registry/institution/add/").status_code == 403


def test_status_changes_by_regulator(edu: Any, xf_edu: Any) -> None:
    inst = InstitutionFactory.create()
    c = login(edu)
    url = reverse("registry:institution_status", args=[inst.pk])
    assert "停止招生" in c.get(reverse("registry:institution_detail", args=[inst.pk])).content.decode()
    assert login(xf_edu).post(url, {"status": "suspended", "reason": "x"}).status_code == 404
    c.post(url, {"status": "suspended", "reason": "违规招生"})
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.SUSPENDED
    assert inst.history.first().history_change_reason == "违规招生"
    resp = c.post(url, {"status": "applying", "reason": "x"}, follow=True)
    assert "不能变更为" in resp.content.decode()
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.SUSPENDED
    assert AuditEvent.objects.filter(action="institution.status", object_id=str(inst.pk)).count() == 1


def test_new_operator_applies_from_scratch(edu: Any) -> None:
    from shuangjian.core.models import Division, DivisionLevel
    from shuangjian.core.validators import make_resident_id
    from shuangjian.registry.tests.factories import OperatorFactory, uscc

    Division.objects.create(code="410202", name="龙亭区", level=DivisionLevel.COUNTY)
    op = OperatorFactory.create()
    c = login(op)
    page = c.get(reverse("registry:apply"))
    assert "统一社会信用代码" in page.content.decode()
    form = {
        "name": "新申请培训学校",
        "uscc": uscc(),
        "category": "non_subject",
        "field": "science",
        "legal_form": "non_profit",
        "legal_rep_name": "赵六",
        "legal_rep_id": make_resident_id("41020219900101123"),
        "address": "开封市龙亭区中山路9号",
        "division_code": "410202",
        "training_format": "offline",
        "kind": "章程",
        "files": [pdf()],
    }
    bad = c.post(reverse("registry:apply"), {**form, "uscc": "91410202MA0000000X", "files": [pdf()]})
    assert "统一社会信用代码" in bad.content.decode() and not Institution.objects.exists()
    assert c.post(reverse("registry:apply"), form).status_code == 302
    inst = Institution.objects.get(name="新申请培训学校")
    assert inst.status == InstitutionStatus.APPLYING and inst.operators.get().user == op
    assert LicenceApplication.objects.get(institution=inst).department == "science"
    assert "已提交" in c.get(reverse("registry:apply")).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/registry/institutions/99999999999999999999/",
        "/registry/applications/99999999999999999999/",
        "/registry/applications/1/decision.docx",
        "/registry/applications/99999999999999999999/materials/1/",
    ],
)
def test_unknown_ids_are_404(edu: Any, url: str) -> None:
    assert login(edu).get(url).status_code == 404


def test_long_list_shows_a_capped_total_and_the_exact_one_on_request(
    edu: Any, xf_edu: Any, monkeypatch: Any, django_assert_max_num_queries: Any
) -> None:
    from django.core.cache import cache

    from shuangjian.core import pagination

    cache.clear()
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    for _ in range(35):
        InstitutionFactory.create()
    InstitutionFactory.create(name="祥符机构", division_code="410212")
    InstitutionFactory.create(name="艺术机构", category=Category.NON_SUBJECT, field=NonSubjectField.ARTS)
    c = login(edu)
    url = reverse("registry:institution_list")
    # One query more than before the exact total moved to a job: the person's count job for these filters.
    with django_assert_max_num_queries(10):
        resp = c.get(url)
    body = resp.content.decode()
    assert resp.status_code == 200 and len(resp.context["page"].object_list) == 30
    assert "超过 30 家" in body and "统计准确总数" in body and "?count=exact" in body
    assert "第 1 页，共超过 1 页" in body and "page=2" in body
    # The last page is counted exactly; so is a filtered list shorter than the cap.
    resp = c.get(url, {"page": "2"})
    assert "共 36 家" in resp.content.decode() and "第 2 / 2 页" in resp.content.decode()
    assert len(resp.context["page"].object_list) == 6
    assert "共 1 家" in c.get(url, {"field": "arts"}).content.decode()
    # The exact total on request is a background job's (eager in tests), only of the regulator's own jurisdiction;
    # the link comes back to the list, which shows the job's figure while paging.
    job = start_count(c, url)
    assert job.owner == edu and job.kind == "export.registry.institution_count" and job.params == {}
    assert job.status == JobStatus.SUCCEEDED and job.result["data"]["count"] == 36 and not job.result_file
    body = c.get(url).content.decode()
    assert "共 36 家" in body and "统计准确总数" not in body and "准确总数，统计于" in body and "重新统计" in body
    assert "共 36 家" in c.get(url, {"page": "2"}).content.decode()
    assert "共 1 家" in login(xf_edu).get(url).content.decode()
    cache.clear()


def test_a_licensed_operator_is_told_what_to_do_instead_of_a_blank_apply_page() -> None:
    inst = InstitutionFactory.create()
    assert inst.licence_no
    html = login(operator_for(inst)).get(reverse("registry:apply")).content.decode()
    assert 'data-testid="already-licensed"' in html
    assert inst.licence_no in html and "无需再次申请" in html
    assert reverse("registry:my_institution") in html
    assert '<form method="post" enctype' not in html
