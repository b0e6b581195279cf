"""The licence workflow end to end: submit, every step, returns and resubmission, rejection, approval;
wrong department, wrong county, invalid moves; the decision documents."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from docx import Document

from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import AuditEvent, Department, Role
from shuangjian.core.rules import RuleViolationError
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.core.validators import make_resident_id
from shuangjian.registry import documents, selectors, services
from shuangjian.registry.models import (
    ApplicationStatus,
    Category,
    Institution,
    InstitutionStatus,
    LegalForm,
    LicenceApplication,
    NonSubjectField,
    Site,
)
from shuangjian.registry.services import InstitutionData
from shuangjian.registry.tests.factories import (
    ApplyingInstitutionFactory,
    OperatorFactory,
    SiteFactory,
    operator_for,
    pdf,
    uscc,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


# No new subject-type institutions are approved (意见 §13), so the workflow is walked with a science institution
# and its approving department; ``edu``/``xf_edu`` here are those departments' regulators of the two counties.
@pytest.fixture
def edu(db: object) -> object:
    return RegulatorFactory.create(username="sci", department=Department.SCIENCE, scope_code="410202")


@pytest.fixture
def xf_edu(db: object) -> object:
    return RegulatorFactory.create(username="xf_sci", department=Department.SCIENCE, scope_code="410212")


def data(**kw: Any) -> InstitutionData:
    base: dict[str, Any] = {
        "name": "龙亭区启明培训学校",
        "uscc": uscc(),
        "category": Category.NON_SUBJECT,
        "field": NonSubjectField.SCIENCE,
        "legal_form": LegalForm.NON_PROFIT,
        "legal_rep_name": "王五",
        "legal_rep_id": make_resident_id("41020219800101123"),
        "address": "开封市龙亭区中山路8号",
        "division_code": "410202",
        "licensed_subjects": [],
    }
    base.update(kw)
    return InstitutionData(**base)


def submit(**kw: Any) -> LicenceApplication:
    op = OperatorFactory.create()
    return services.licence_application_submit(actor=op, data=data(**kw), materials=[("章程", pdf())])


def walk_to_site_check(app: LicenceApplication, actor: Any) -> LicenceApplication:
    if not Site.objects.filter(institution_id=app.institution_id).exists():
        SiteFactory.create(institution=app.institution)
    services.licence_application_accept(actor=actor, application=app, comment="材料齐全，予以受理")
    services.licence_application_start_review(actor=actor, application=app)
    services.licence_application_pass_review(actor=actor, application=app, comment="材料合规")
    app.refresh_from_db()
    return app


def test_submit_creates_institution_applying_routed_to_its_department(edu: Any) -> None:
    app = submit()
    inst = app.institution
    assert inst.status == InstitutionStatus.APPLYING
    assert app.department == Department.SCIENCE and app.division_code == "410202"
    assert app.status == S.SUBMITTED
    assert app.step_due_on == add_working_days(timezone.localdate(), 5)
    assert app.materials.count() == 1
    assert AuditEvent.objects.filter(action="licence_application.submit", object_id=str(app.pk)).exists()


@pytest.mark.parametrize(
    ("field", "dept"),
    [
        (NonSubjectField.SPORTS, Department.SPORTS),
        (NonSubjectField.ARTS, Department.CULTURE),
        (NonSubjectField.SCIENCE, Department.SCIENCE),
    ],
)
def test_non_subject_routed_to_its_department(field: str, dept: str) -> None:
    app = submit(category=Category.NON_SUBJECT, field=field, uscc=uscc("91410202"), legal_form=LegalForm.COMPANY)
    assert app.department == dept


def test_new_subject_type_institution_refused_with_its_basis() -> None:
    # 意见 §13: "各地不再审批新的面向义务教育阶段学生的学科类校外培训机构" — not even a non-profit one.
    with pytest.raises(RuleViolationError) as exc:
        submit(category=Category.SUBJECT, field="", licensed_subjects=["math"])
    refusal = exc.value.violations[0]
    assert refusal.code == "subject_new_refused"
    assert "意见" in refusal.basis and "第13条" in refusal.basis
    assert "营转非" in refusal.message
    assert not Institution.objects.exists()


def test_subject_for_profit_refused_with_policy() -> None:
    with pytest.raises(RuleViolationError) as exc:
        submit(category=Category.SUBJECT, field="", uscc=uscc("91410202"))
    assert {v.code for v in exc.value.violations} == {"subject_new_refused", "subject_not_nonprofit"}
    assert not Institution.objects.exists()


def test_barred_person_cannot_found_an_institution(edu: Any) -> None:
    # MoE53 art. 9 限制从业: a person on the people black list cannot be an institution's legal representative.
    from shuangjian.staff.models import PersonBlacklist

    barred = make_resident_id("41020219800101456")
    PersonBlacklist.objects.create(
        resident_id=barred,
        name="赵六",
        reason="违规办学",
        legal_basis="教育部令第53号",
        start=timezone.localdate(),
        publisher=edu,
        division_code="410202",
    )
    with pytest.raises(RuleViolationError) as exc:
        submit(legal_rep_id=barred)
    refusal = exc.value.violations[0]
    assert refusal.code == "founder_blacklisted" and "第53号" in refusal.basis
    assert not Institution.objects.exists()
    PersonBlacklist.objects.filter(resident_id=barred).update(lifted_at=timezone.now())
    assert submit(legal_rep_id=barred).institution.legal_rep_id == barred


def test_bad_uscc_and_id_refused_in_chinese() -> None:
    with pytest.raises(ValidationError) as exc:
        submit(uscc="524102020000000000", legal_rep_id="410202198001011230")
    assert set(exc.value.error_dict) == {"uscc", "legal_rep_id"}
    assert "统一社会信用代码" in str(exc.value)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.exe", b"MZ....", "material_type"),
        ("a.pdf", b"not a pdf at all", "material_content"),
        ("a.png", b"", "material_empty"),
    ],
)
def test_materials_are_checked(name: str, content: bytes, code: str) -> None:
    op = OperatorFactory.create()
    with pytest.raises(ValidationError) as exc:
        services.licence_application_submit(actor=op, data=data(), materials=[("x", SimpleUploadedFile(name, content))])
    assert exc.value.code == code
    assert not Institution.objects.exists()  # nothing half-written


def test_material_over_10mb_refused() -> None:
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.licence_application_submit(actor=OperatorFactory.create(), data=data(), materials=[("x", big)])
    assert exc.value.code == "material_size"


def test_full_approval_issues_licence_and_whitelists(edu: Any) -> None:
    app = walk_to_site_check(submit(), edu)
    assert app.status == S.SITE_CHECK
    services.licence_application_approve(actor=edu, application=app, comment="实地核查合格")
    app.refresh_from_db()
    inst = app.institution
    inst.refresh_from_db()
    assert app.status == S.APPROVED and app.decision_no and app.decided_at
    assert inst.status == InstitutionStatus.ACTIVE
    year = timezone.localdate().year
    assert inst.licence_no == f"科民410202{year}00001"
    assert inst.licence_issued_on == timezone.localdate()
    assert inst.licence_expires_on is not None and inst.licence_expires_on.year == year + 5
    # Licensed is not yet white-listed: the list's definition asks for a passed annual inspection and prepaid fees
    # under supervision, which a day-old licence cannot have.
    assert not selectors.is_whitelisted(inst)
    reasons = selectors.institution_record(user=edu, pk=inst.pk).whitelist_reasons
    assert "最近一次年检未合格或尚未年检" in reasons and "预收费尚未纳入监管" in reasons
    steps = [s.to_status for s in app.steps.all()]
    assert steps == [S.SUBMITTED, S.ACCEPTED, S.MATERIAL_REVIEW, S.SITE_CHECK, S.APPROVED]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"licence_application.accept", "licence_application.approve", "institution.approve"} <= actions
    # Second approval in the same county and year gets the next number.
    app2 = walk_to_site_check(submit(name="第二家"), edu)
    services.licence_application_approve(actor=edu, application=app2)
    assert Institution.objects.get(pk=app2.institution_id).licence_no == f"科民410202{year}00002"


def test_decision_docx_has_the_facts(edu: Any) -> None:
    app = walk_to_site_check(submit(), edu)
    services.licence_application_approve(actor=edu, application=app, comment="符合条件")
    app.refresh_from_db()
    doc = Document(io.BytesIO(documents.decision_docx(app)))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    inst = Institution.objects.get(pk=app.institution_id)
    for needle in (
        inst.name,
        inst.uscc,
        inst.licence_no or "missing",
        "非学科类（科技）",
        inst.address,
        "科学技术局",
        app.decision_no,
        "准予",
    ):
        assert needle in text, needle


def test_rejection_with_reasons_and_docx(edu: Any) -> None:
    app = submit()
    services.licence_application_accept(actor=edu, application=app)
    with pytest.raises(ValidationError):
        services.licence_application_reject(actor=edu, application=app, comment="  ")
    services.licence_application_reject(actor=edu, application=app, comment="场地位于住宅楼内")
    app.refresh_from_db()
    assert app.status == S.REJECTED and app.institution.status == InstitutionStatus.APPLYING
    doc = Document(io.BytesIO(documents.decision_docx(app)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "不予" in text and "场地位于住宅楼内" in text and app.decision_no in text


def test_return_and_resubmit_loop(edu: Any) -> None:
    app = submit()
    op = app.applicant
    services.licence_application_accept(actor=edu, application=app)
    services.licence_application_start_review(actor=edu, application=app)
    services.licence_application_return(actor=edu, application=app, comment="请补充消防验收材料")
    app.refresh_from_db()
    assert app.status == S.RETURNED
    # Nobody can move a returned application but the applicant.
    with pytest.raises(ValidationError):
        services.licence_application_accept(actor=edu, application=app)
    other = OperatorFactory.create()
    with pytest.raises(Http404):
        services.licence_application_resubmit(actor=other, application=app, materials=[("消防", pdf())])
    services.licence_application_resubmit(
        actor=op, application=app, comment="已补充", materials=[("消防", pdf("消防.pdf"))]
    )
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.materials.count() == 2
    walk_to_site_check(app, edu)
    services.licence_application_return(actor=edu, application=app, comment="核查发现面积不符")
    services.licence_application_resubmit(actor=op, application=app, materials=[("平面图", pdf())])
    walk_to_site_check(app, edu)
    services.licence_application_approve(actor=edu, application=app)
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert [s.to_status for s in app.steps.all()].count(S.RETURNED) == 2


def test_return_requires_comment(edu: Any) -> None:
    with pytest.raises(ValidationError):
        services.licence_application_return(actor=edu, application=submit(), comment="")


def test_wrong_department_refused_in_chinese(sports: Any) -> None:
    app = submit()
    with pytest.raises(ValidationError) as exc:
        services.licence_application_accept(actor=sports, application=app)
    assert exc.value.code == "wrong_department" and "科技" in exc.value.messages[0]
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_wrong_county_is_404(xf_edu: Any) -> None:
    app = submit()
    with pytest.raises(Http404):
        services.licence_application_accept(actor=xf_edu, application=app)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.INSTITUTION_OPERATOR, Role.PARENT])
def test_non_regulators_cannot_move(role: str) -> None:
    user = UserFactory.create(role=role, scope_code="410202", department=Department.SCIENCE)
    with pytest.raises(Http404):
        services.licence_application_accept(actor=user, application=submit())


def test_invalid_transitions(edu: Any) -> None:
    app = submit()
    with pytest.raises(ValidationError) as exc:
        services.licence_application_approve(actor=edu, application=app)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(ValidationError):
        services.licence_application_pass_review(actor=edu, application=app)
    services.licence_application_accept(actor=edu, application=app)
    with pytest.raises(ValidationError):
        services.licence_application_accept(actor=edu, application=app)
    app.refresh_from_db()
    services.licence_application_reject(actor=edu, application=app, comment="不符合")
    for verb in services.ACTION_SERVICES.values():
        with pytest.raises(ValidationError):
            verb(actor=edu, application=app, comment="x")


def test_city_regulator_may_act_in_county(db: Any) -> None:
    city = RegulatorFactory.create(username="city", scope_code="4102", department=Department.SCIENCE)
    app = submit()
    services.licence_application_accept(actor=city, application=app)
    app.refresh_from_db()
    assert app.status == S.ACCEPTED


def test_one_open_application_at_a_time() -> None:
    app = submit()
    with pytest.raises(ValidationError) as exc:
        services.licence_application_submit(actor=app.applicant, materials=[("x", pdf())])
    assert exc.value.code == "already_open"


def test_operator_with_applying_institution_submits_materials_only(edu: Any) -> None:
    inst = ApplyingInstitutionFactory.create()
    op = operator_for(inst)
    app = services.licence_application_submit(actor=op, materials=[("章程", pdf())])
    assert app.institution_id == inst.pk


def test_overdue_flag(edu: Any) -> None:
    app = submit()
    LicenceApplication.objects.filter(pk=app.pk).update(step_due_on=timezone.localdate().replace(year=2020))
    queue = selectors.application_queue_for_user(user=edu, overdue_only=True)
    assert list(queue) == [LicenceApplication.objects.get(pk=app.pk)]
    assert selectors.is_overdue(queue[0])
    assert selectors.regulator_figures(user=edu)["overdue"] == 1


def test_queue_is_department_and_county_scoped(edu: Any, sports: Any, xf_edu: Any) -> None:
    science = submit()
    sport = submit(category=Category.NON_SUBJECT, field=NonSubjectField.SPORTS, uscc=uscc("91410202"))
    other_county = submit(division_code="410212", uscc=uscc("52410212"))
    assert list(selectors.application_queue_for_user(user=edu)) == [science]
    assert list(selectors.application_queue_for_user(user=sports)) == [sport]
    assert list(selectors.application_queue_for_user(user=xf_edu)) == [other_county]


def test_approval_refused_when_premises_fail(edu: Any) -> None:
    app = submit()
    services.licence_application_accept(actor=edu, application=app)
    services.licence_application_start_review(actor=edu, application=app)
    services.licence_application_pass_review(actor=edu, application=app)
    with pytest.raises(RuleViolationError) as exc:
        services.licence_application_approve(actor=edu, application=app)
    assert [v.code for v in exc.value.violations] == ["site_missing"]
    SiteFactory.create(institution=app.institution, name="地下教学点", is_basement=True, floor=-1)
    SiteFactory.create(institution=app.institution, name="好教学点")
    with pytest.raises(RuleViolationError) as exc:
        services.licence_application_approve(actor=edu, application=app)
    assert {v.code for v in exc.value.violations} == {"site_basement"}
    assert exc.value.violations[0].message.startswith("地下教学点")
    app.refresh_from_db()
    assert app.status == S.SITE_CHECK and app.institution.licence_no is None
    Site.objects.filter(name="地下教学点").update(is_active=False)
    services.licence_application_approve(actor=edu, application=app)
