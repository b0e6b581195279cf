"""Role × URL: every page and every API operation, asked by one user of each role and by the anonymous public.

The URLs come from the resolver and the operations from the API's OpenAPI schema, not from a hand list, so a
new page is covered the day it lands. Each page declares the permission it requires
(``@permission_required("<app>.<action>")`` records ``view.permission_name``); the test asserts that

- nothing answers 5xx;
- a signed-in user reaches the page (2xx/3xx, or a 400/422 refusal of the empty form it was sent) exactly when
  the named permission allows their role, and hears 403/404 otherwise;
- the anonymous public is sent to the login page;
- every page but the public and sign-in ones declares a permission.

Objects for pk-taking URLs are built by factories inside the users' reach (one county, the operator's own
institution, the parent's own child), so an allowed role meets a real object, not a 404.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from shuangjian.competitions.tests.factories import CompetitionFactory
from shuangjian.complaints.tests.factories import ReportFactory
from shuangjian.config.api import api
from shuangjian.core.models import Department, Role, User
from shuangjian.core.permissions import can
from shuangjian.core.tests.factories import PlatformAdminFactory, RegulatorFactory, UserFactory
from shuangjian.enforcement import inspections as enforcement_inspections
from shuangjian.enforcement import notices as enforcement_notices
from shuangjian.enforcement.cases import case_file
from shuangjian.enforcement.models import EvidencePhoto, InspectionPlan
from shuangjian.enforcement.subjects import Subject
from shuangjian.enforcement.tests import inspection_helpers as insp_helpers
from shuangjian.funds.models import BankOperator
from shuangjian.funds.tests.factories import BankFactory
from shuangjian.grid import services as grid_services
from shuangjian.grid.models import FindingKind
from shuangjian.grid.tests.factories import assign, cells, institution_in
from shuangjian.oversight import bulletins as oversight_bulletins
from shuangjian.oversight import evaluation as oversight_evaluation
from shuangjian.oversight import orders as oversight_orders
from shuangjian.portal.tests.factories import ArticleFactory
from shuangjian.registry import lists
from shuangjian.registry.tests.factories import SiteFactory
from shuangjian.registry.tests.helpers import divisions
from shuangjian.schools.models import InServiceCase, Pledge
from shuangjian.staff.tests.factories import SchoolAdminUserFactory, SchoolFactory
from shuangjian.students.tests import factories as sf

# Pages anyone may open, or that Django's own views guard (sign-in, password change, the admin site).
PUBLIC = {"login", "logout", "healthz", "set_language", "core:password_change", "schools:pledge_sign"}
# 双随机一公开: anyone may check a draw (enforcement's public draw pages).
PUBLIC |= {"enforcement:public_draw_list", "enforcement:public_draw", "enforcement:public_draw_json"}
PUBLIC_NAMESPACES = ("portal:", "admin:", "api:", "complaints_public:")

# pk-taking pages whose object the matrix does not build yet: asked with a pk that does not exist, so an allowed
# role may answer 404 here; a refused role must still never get through, and nothing may answer 5xx.
NO_OBJECT_YET = {
    "core:token_revoke",
    "registry:application_material",
    "registry:application_decision",
    "registry:blacklist_lift",
    "registry:job_detail",
    "registry:job_progress",
    "registry:job_download",
    "registry:publication_export",
    # An export job is its owner's alone (tests/test_export_jobs.py): every other person hears 404.
    "core:export_job",
    "core:export_progress",
    "core:exact_count",
    "core:export_download",
    "staff:flag_resolve",
    "staff:blacklist_lift",
    "courses:material_review",
    "courses:material_download",
    "funds:refund_pay_from_deposit",
    "funds:order_paid_direct",
    "funds:refund_withdraw",
    "students:binding_code_renew",
    "courses:violation_act",
    "courses:violation_open",
    "courses:violation_scan_job",
    "funds:consumption_confirm",
    "funds:consumption_dispute",
    "funds:refund_receipt",
    "funds:refund_answer",
    "funds:refund_paid_direct",
    "funds:batch_download",
    "funds:batch_execute",
    "funds:discrepancy",
    "funds:dispute_resolve",
    "funds:refund_order",
    "funds:refund_reorder",
    "content:attachment_download",
    "content:attachment_delete",
    "enforcement:draw_detail",
    "enforcement:draw_perform",
    "enforcement:draw_publish",
    "enforcement:draw_redraw",
    "complaints:report_photo",
    "enforcement:case_document_issue",
    "enforcement:case_document",
}
MISSING_PK = 999_999


@dataclass
class Page:
    name: str
    route: str
    view: Callable[..., Any]

    @property
    def permission(self) -> str | None:
        return getattr(self.view, "permission_name", None)


def _pages(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Page]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _pages(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield Page(f"{namespace}{entry.name or ''}", prefix + str(entry.pattern), entry.callback)


def all_pages() -> list[Page]:
    return [p for p in _pages(get_resolver()) if not p.name.startswith(PUBLIC_NAMESPACES) and p.name not in PUBLIC]


def test_every_page_declares_its_permission() -> None:
    undeclared = sorted(p.name for p in all_pages() if p.permission is None)
    assert undeclared == [], "pages without @permission_required: " + ", ".join(undeclared)


def test_every_declared_permission_exists() -> None:
    import rules

    missing = sorted({p.permission for p in all_pages() if p.permission and not rules.perm_exists(p.permission)})
    assert missing == []


@dataclass
class World:
    users: dict[str, User]
    kwargs: dict[str, dict[str, Any]]


@pytest.fixture
def world(db: Any) -> World:
    inst = sf.InstitutionFactory.create(approving_department=Department.EDUCATION)
    operator = sf.OperatorFactory.create(username="m_operator", institution=inst)
    group = sf.ClassGroupFactory.create(course=sf.CourseFactory.create(institution=inst))
    session = sf.SessionFactory.create(class_group=group)
    to_cancel = sf.SessionFactory.create(class_group=group)  # the operator's empty POST really cancels it
    school = SchoolFactory.create()
    student = sf.StudentFactory.create(school_code=school.code, school_name=school.name)
    parent = sf.ParentFactory.create(username="m_parent")
    sf.GuardianshipFactory.create(parent=parent, student=student)
    enrolment = sf.EnrolmentFactory.create(student=student, class_group=group)
    site = SiteFactory.create(institution=inst)
    regulator = RegulatorFactory.create(username="m_regulator", department=Department.EDUCATION, scope_code="410202")
    bank_operator = UserFactory.create(username="m_bank", role=Role.BANK_OPERATOR, scope_code="4102")
    BankOperator.objects.create(user=bank_operator, bank=BankFactory.create())
    publication = lists.list_publish(actor=regulator, year=2026, division_code="410202")
    # The operator's own draft filing: every county reader reaches it, the operator may still edit it.
    competition = CompetitionFactory.create(
        organiser_kind="institution",
        organiser_institution=inst,
        organiser_name=inst.name,
        organiser_uscc=inst.uscc,
        division_code=inst.division_code,
        applicant=operator,
    )
    article = ArticleFactory.create(created_by=regulator, division_code="410202")
    divisions()  # the report contacts' page edits an existing division
    pledge = Pledge.objects.create(
        school=school, year=2026, resident_id="410202199001011234", name="王老师", division_code="410202"
    )
    inservice_case = InServiceCase.objects.create(
        school=school,
        resident_id=pledge.resident_id,
        teacher_name=pledge.name,
        institution=inst,
        detail="比对发现",
        answer_due=datetime.date(2026, 12, 31),
        division_code="410202",
    )
    # Enforcement, inspections area: a finished inspection with a failed item and its photo, its notice, an ad.
    inspection = insp_helpers.record(
        regulator, inst, failed={"prices": "收费未公示"}, photos={"prices": [insp_helpers.jpeg()]}
    )
    notice = enforcement_notices.notice_issue(actor=regulator, inspection=inspection)
    ad = enforcement_inspections.ad_finding_record(
        actor=regulator, division_code="410202", kind="sign", place="路口", found_on=notice.issued_on, subject_name="某"
    )
    photo = EvidencePhoto.objects.get(item__inspection=inspection)
    plan = InspectionPlan.objects.create(
        name="双随机抽查", year=2026, division_code="410202", sample_size=1, created_by=regulator
    )
    report = ReportFactory.create(division_code="410202")
    penalty_case = case_file(
        actor=regulator,
        subject=Subject.of_institution(inst),
        violation="disguised",
        act_on=timezone.localdate(),
        facts="以“思维训练”名义开展学科类培训",
    )
    # Oversight: an order to the regulator's county, a 通报 naming it, a computed evaluation period.
    o_admin = PlatformAdminFactory.create(username="m_admin")
    order = oversight_orders.order_issue(
        actor=o_admin,
        kind="dispatch",
        division_code="410202",
        title="督办",
        requirements="限期办理",
        deadline=datetime.date(2099, 1, 1),
    )
    measure = oversight_orders.measure_record(
        actor=o_admin, kind="notice", counties=["410202"], title="通报", body="内容", happened_on=order.issued_on
    )
    period = oversight_evaluation.period_compute(
        actor=o_admin, name="2026Q1", starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 3, 31)
    )
    # Oversight, bulletins area: a draft of the county (a publish sent empty publishes it: the regulator may).
    bulletin = oversight_bulletins.bulletin_draft(
        actor=regulator,
        division_code="410202",
        series="express",
        period_start=notice.issued_on - datetime.timedelta(days=6),
        period_end=notice.issued_on,
    )
    users = {
        "platform_admin": PlatformAdminFactory.create(username="m_admin"),
        "regulator": regulator,
        "inspector": UserFactory.create(username="m_inspector", role=Role.INSPECTOR, scope_code="410202"),
        "grid_officer": UserFactory.create(username="m_grid", role=Role.GRID_OFFICER, scope_code="410202001"),
        "school_admin": SchoolAdminUserFactory.create(username="m_school", school=school),
        "bank_operator": bank_operator,
        "institution_operator": operator,
        "parent": parent,
    }
    assert set(users) == set(Role.values)  # one user per role: a new role must join the matrix
    # Grid: the officer holds a cell with an institution and has filed a report with a finding (and its photo).
    cell = cells()[0]
    grid_assignment = assign(users["grid_officer"], cell, datetime.date(2026, 1, 1))
    grid_report = grid_services.grid_report_submit(
        actor=users["grid_officer"],
        cell=cell,
        day=datetime.date(2026, 3, 2),
        data=grid_services.ReportInput(
            findings=(
                grid_services.FindingInput(kind=FindingKind.AGAINST_ORDER, institution_id=institution_in(cell).pk),
            )
        ),
    ).report
    grid_finding = grid_report.findings.get()
    grid_finding.photo.save("f.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    kwargs = {
        "registry:institution_detail": {"pk": inst.pk},
        "registry:annual_inspection_add": {"pk": inst.pk},
        "registry:blacklist_add": {"pk": inst.pk},
        "registry:institution_status": {"pk": inst.pk},
        "registry:institution_deregister": {"pk": inst.pk},
        "registry:my_site_edit": {"pk": site.pk},
        "registry:application_detail": {"pk": MISSING_PK},
        "registry:publication_detail": {"pk": publication.pk},
        "staff:employment_detail": {"pk": MISSING_PK},
        "courses:course_detail": {"pk": group.course_id},
        "courses:course_edit": {"pk": group.course_id},
        "courses:class_group_detail": {"pk": group.pk},
        "courses:class_group_edit": {"pk": group.pk},
        "courses:session_edit": {"pk": session.pk},
        "courses:session_cancel": {"pk": to_cancel.pk},
        "students:child_detail": {"pk": student.pk},
        "students:enrolment_detail": {"pk": enrolment.pk},
        "students:contract_download": {"pk": enrolment.pk},
        "students:contract_confirm": {"pk": enrolment.pk},
        "students:enrolment_cancel": {"pk": enrolment.pk},
        "students:attendance_sheet": {"pk": session.pk},
        "funds:refund_apply": {"enrolment_id": enrolment.pk},
        "competitions:detail": {"pk": competition.pk},
        "competitions:competition_edit": {"pk": competition.pk},
        "competitions:act": {"pk": competition.pk},
        "content:article_detail": {"pk": article.pk},
        "content:article_edit": {"pk": article.pk},
        "content:article_publish": {"pk": article.pk},
        "content:article_unpublish": {"pk": article.pk},
        "content:article_delete": {"pk": article.pk},  # an empty POST is refused (400): nothing is deleted
        "content:attachment_add": {"pk": article.pk},
        "content:contact_edit": {"code": "410202"},
        "schools:pledge_docx": {"pk": pledge.pk},
        "schools:pledge_paper": {"pk": pledge.pk},
        "schools:case_detail": {"pk": inservice_case.pk},
        "enforcement:inspection_detail": {"pk": inspection.pk},
        "enforcement:inspection_record": {"pk": inspection.pk},
        "enforcement:notice_issue": {"pk": inspection.pk},
        "enforcement:evidence_photo": {"pk": photo.pk},
        "enforcement:notice_detail": {"pk": notice.pk},
        "enforcement:notice_action": {"pk": notice.pk},
        "enforcement:notice_summons": {"pk": notice.pk},
        "enforcement:notice_docx": {"pk": notice.pk},
        "enforcement:my_notice_detail": {"pk": notice.pk},
        "enforcement:my_notice_docx": {"pk": notice.pk},
        "enforcement:ad_removed": {"pk": ad.pk},
        "enforcement:plan_detail": {"pk": plan.pk},
        "enforcement:plan_round_commit": {"pk": plan.pk, "round_no": 1},
        "complaints:report_detail": {"pk": report.pk},
        "complaints:report_act": {"pk": report.pk, "action": "accept"},
        **{
            f"enforcement:case_{name}": {"pk": penalty_case.pk}
            for name in ("detail", "action", "propose", "defence", "hearing", "extend", "publish")
        },
        "oversight:order_detail": {"pk": order.pk},
        "oversight:order_reply": {"pk": order.pk},
        "oversight:order_decide": {"pk": order.pk},
        "oversight:order_docx": {"pk": order.pk},
        "oversight:measure_detail": {"pk": measure.pk},
        "oversight:measure_docx": {"pk": measure.pk},
        "oversight:evaluation_export": {"pk": period.pk},
        "oversight:evaluation_drill": {"pk": period.pk, "county": "410202", "key": "custody"},
        "oversight:bulletin_detail": {"pk": bulletin.pk},
        "oversight:bulletin_edit": {"pk": bulletin.pk},
        "oversight:bulletin_publish": {"pk": bulletin.pk},
        "oversight:bulletin_revise": {"pk": bulletin.pk},
        "oversight:bulletin_docx": {"pk": bulletin.pk},
        "portal:bulletin": {"pk": bulletin.pk},
        "grid:cell": {"code": cell.code},
        "grid:report_zero": {"code": cell.code},
        "grid:report_new": {"code": cell.code},
        "grid:report_detail": {"pk": grid_report.pk},
        "grid:finding_lead": {"pk": grid_finding.pk},
        "grid:finding_detail": {"pk": grid_finding.pk},
        "grid:finding_report": {"pk": grid_finding.pk},
        "grid:finding_photo": {"pk": grid_finding.pk},
        "grid:assignment_end": {"pk": grid_assignment.pk},
    }
    return World(users, kwargs)


# Object pages whose object only some allowed roles reach (the rest of the role hears 404, as house rule).
OBJECT_REACH = {
    "registry:application_detail",
    "staff:employment_detail",
}

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _url(page: Page, world: World) -> str | None:
    params = _PARAM.findall(page.route)
    if not params:
        return "/" + _PARAM.sub("", page.route)
    values = world.kwargs.get(page.name)
    if values is None:
        assert page.name in NO_OBJECT_YET, f"{page.name}: build its object in the world fixture"
        values = {name: ("white" if conv == "str" else MISSING_PK) for conv, name in params}
    return "/" + _PARAM.sub(lambda m: str(values[m.group(2)]), page.route)


def _ask(client: Client, url: str) -> int:
    status = client.get(url).status_code
    if status == 405:  # a form action: sent empty, as a stray click would
        status = client.post(url, {}).status_code
    return status


def _reached(status: int) -> bool:
    return status < 400 or status in (400, 422)


def test_pages_answer_exactly_whom_their_permission_allows(world: World) -> None:
    problems: list[str] = []
    anonymous = Client()
    clients = {}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    for page in all_pages():
        url = _url(page, world)
        assert url is not None and page.permission is not None
        status = anonymous.get(url).status_code
        if not (status == 302 or status == 405):
            problems.append(f"anonymous {url}: {status}")
        for role, user in world.users.items():
            status = _ask(clients[role], url)
            allowed = can(user, page.permission)
            if status >= 500:
                problems.append(f"{role} {url}: {status}")
            elif not allowed and _reached(status):
                problems.append(f"{role} {url}: {status} but {page.permission} refuses the role")
            elif allowed and not _reached(status):
                if status == 404 and (page.name in NO_OBJECT_YET or page.name in OBJECT_REACH):
                    continue
                problems.append(f"{role} {url}: {status} but {page.permission} allows the role")
    assert problems == [], "\n".join(problems)


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield method.upper(), path, op


def _api_permissions() -> dict[tuple[str, str], str]:
    """(method, path) → the permission an operation declares with @api_permission."""
    found: dict[tuple[str, str], str] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                name = getattr(operation.view_func, "permission_name", None)
                if name:
                    full = "/api/v1" + (prefix.rstrip("/") + "/" + path.lstrip("/")).replace("//", "/")
                    for method in operation.methods:
                        found[(method.upper(), full.rstrip("/") or "/")] = name
    return found


def test_api_operations_never_500_and_refuse_whom_their_permission_refuses(world: World) -> None:
    declared = _api_permissions()
    problems: list[str] = []
    clients = {"anonymous": Client()}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    for method, path, op in _operations():
        if "/banks/" in path:  # signed by a bank, not a user: tests/funds cover its signature checks
            continue
        url = re.sub(r"\{(\w+)\}", "1", path)
        body = op.get("requestBody") is not None
        permission = declared.get((method, path.rstrip("/")))
        for role, c in clients.items():
            resp = c.generic(method, url, "{}" if body else "", content_type="application/json")
            status = resp.status_code
            if status >= 500:
                problems.append(f"{role} {method} {url}: {status}")
                continue
            if not op.get("security"):  # published without authentication (public search, divisions)
                continue
            if role == "anonymous":
                if status not in (401, 403):
                    problems.append(f"anonymous {method} {url}: {status}")
                continue
            if permission and not can(world.users[role], permission) and 200 <= status < 300:
                problems.append(f"{role} {method} {url}: {status} but {permission} refuses the role")
            if permission and not body and not can(world.users[role], permission) and status not in (403, 404):
                problems.append(f"{role} {method} {url}: {status}, expected 403/404 ({permission})")
    assert problems == [], "\n".join(problems)
