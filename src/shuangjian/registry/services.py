"""Every write of the institution registry: applications and their workflow, institutions, sites, inspections,
black-list entries, deregistration. Each service checks the actor, locks what it changes and audits it.

Survey import, exports and list publication are in ``imports.py``, ``exports.py`` and ``lists.py``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.access import lock_in_scope_or_404, operator_institution, validate_printable
from shuangjian.core.audit import audit_record
from shuangjian.core.calendar import add_working_days
from shuangjian.core.models import Department, User
from shuangjian.core.permissions import require
from shuangjian.core.rules import Violation, raise_if_any
from shuangjian.core.validators import validate_resident_id, validate_uscc

from . import hooks, rules, workflow
from .models import (
    APPROVING_DEPARTMENT,
    AnnualInspection,
    ApplicationMaterial,
    ApplicationStatus,
    ApplicationStep,
    BlacklistEntry,
    Category,
    InspectionResult,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LegalForm,
    LicenceApplication,
    NonSubjectField,
    Site,
    TrainingFormat,
)
from .naming import name_sort_key

S = ApplicationStatus

# Statutory time per step in working days. 《中华人民共和国行政许可法》: a decision on acceptance within 5 days
# (art. 32) and a licensing decision within 20 working days (art. 42). Local, overridable in settings.
STEP_WORKING_DAYS_DEFAULTS: dict[str, int] = {
    S.SUBMITTED: 5,
    S.ACCEPTED: 20,
    S.MATERIAL_REVIEW: 20,
    S.SITE_CHECK: 20,
}
LICENCE_YEARS_DEFAULT = 5  # local choice (settings.REGISTRY_LICENCE_YEARS); RULES.md names no national term

# Licence-number prefix per approving department (教民 is the usual mark of an education-issued private-school licence).
LICENCE_PREFIX: dict[str, str] = {
    Department.EDUCATION: "教民",
    Department.SPORTS: "体民",
    Department.CULTURE: "文民",
    Department.SCIENCE: "科民",
}

MATERIAL_EXTENSIONS: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
}
MATERIAL_MAX_BYTES = 10 * 1024 * 1024

OPEN_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.MATERIAL_REVIEW, S.SITE_CHECK, S.RETURNED)

# Fields the operator may change on their own institution; all are regulated and recorded in the history.
OPERATOR_EDITABLE = (
    "name",
    "address",
    "township_code",
    "grid_code",
    "legal_rep_name",
    "legal_rep_id",
    "phone",
    "training_format",
    "latitude",
    "longitude",
)


def step_working_days() -> dict[str, int]:
    merged = dict(STEP_WORKING_DAYS_DEFAULTS)
    merged.update(getattr(settings, "REGISTRY_STEP_WORKING_DAYS", {}) or {})
    return merged


def licence_years() -> int:
    return int(getattr(settings, "REGISTRY_LICENCE_YEARS", LICENCE_YEARS_DEFAULT))


def step_due(status: str, start: datetime.date) -> datetime.date | None:
    days = step_working_days().get(status)
    return add_working_days(start, days) if days else None


def approving_department(category: str, field: str) -> str:
    key = Category.SUBJECT.value if category == Category.SUBJECT else field
    dept = APPROVING_DEPARTMENT.get(key)
    if not dept:
        raise ValidationError(_("非学科类机构须选择培训领域（体育、文化艺术或科技）。"), code="field_required")
    return str(dept)


# --- materials -------------------------------------------------------------------------------------------------


def validate_material(upload: UploadedFile) -> None:
    """PDF, JPG, PNG or DOCX (by name and by content), at most 10 MB; Chinese errors otherwise."""
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in MATERIAL_EXTENSIONS:
        raise ValidationError(
            _("文件“%(name)s”格式不支持，请上传 PDF、JPG、PNG 或 DOCX 文件。") % {"name": name}, code="material_type"
        )
    if (upload.size or 0) > MATERIAL_MAX_BYTES:
        raise ValidationError(_("文件“%(name)s”超过 10 MB。") % {"name": name}, code="material_size")
    if not upload.size:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name}, code="material_empty")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in MATERIAL_EXTENSIONS[ext]):
        raise ValidationError(
            _("文件“%(name)s”的内容与扩展名不符，请上传真实的 PDF、JPG、PNG 或 DOCX 文件。") % {"name": name},
            code="material_content",
        )


def _save_materials(application: LicenceApplication, materials: list[tuple[str, UploadedFile]]) -> None:
    for _kind, upload in materials:
        validate_material(upload)
    for kind, upload in materials:
        ApplicationMaterial.objects.create(
            application=application,
            kind=kind[:64] or _("申请材料"),
            file=upload,
            original_name=(upload.name or "")[:255],
        )


# --- applicant side -------------------------------------------------------------------------------------------


@dataclass
class InstitutionData:
    """What an applicant states about the institution they apply for."""

    name: str
    uscc: str
    category: str
    field: str
    legal_form: str
    legal_rep_name: str
    legal_rep_id: str
    address: str
    division_code: str
    township_code: str = ""
    grid_code: str = ""
    phone: str = ""
    training_format: str = TrainingFormat.OFFLINE
    licensed_subjects: list[str] | None = None


def _clean_institution_data(data: InstitutionData) -> InstitutionData:
    errors: dict[str, list[ValidationError]] = {}
    try:
        data.uscc = validate_uscc(data.uscc)
    except ValidationError as exc:
        errors["uscc"] = [exc]
    try:
        data.legal_rep_id = validate_resident_id(data.legal_rep_id)
    except ValidationError as exc:
        errors["legal_rep_id"] = [exc]
    if data.category not in Category.values:
        errors["category"] = [ValidationError(_("请选择机构类别。"), code="category")]
    if data.category == Category.SUBJECT:
        data.field = ""
    elif data.field not in NonSubjectField.values:
        errors["field"] = [ValidationError(_("非学科类机构须选择培训领域（体育、文化艺术或科技）。"), code="field")]
    if data.legal_form not in LegalForm.values:
        errors["legal_form"] = [ValidationError(_("请选择法人类型。"), code="legal_form")]
    if not (len(data.division_code) == 6 and data.division_code.isdigit()):
        errors["division_code"] = [ValidationError(_("请选择所属县（区）。"), code="division")]
    if not data.name.strip():
        errors["name"] = [ValidationError(_("请填写机构名称。"), code="required")]
    for field in ("name", "address"):
        try:
            validate_printable(getattr(data, field))
        except ValidationError as exc:
            errors[field] = [exc]
    if errors:
        raise ValidationError(errors)
    data.name = data.name.strip()
    return data


@transaction.atomic
def licence_application_submit(
    *,
    actor: User,
    data: InstitutionData | None = None,
    materials: list[tuple[str, UploadedFile]],
    comment: str = "",
) -> LicenceApplication:
    """An institution operator applies for a licence: creates the institution (status applying) the first time,
    then the application with its materials, routed to the department and county that decide it."""
    require(actor, "registry.apply_for_licence")
    workflow.require(workflow.transition(workflow.NEW, "submit"), materials=len(materials))
    institution: Institution | None = operator_institution(actor)
    if institution is None:
        if data is None:
            raise ValidationError(_("请填写机构信息。"), code="data_required")
        data = _clean_institution_data(data)
        today = timezone.localdate()
        raise_if_any(
            [
                *rules.check_new_institution(category=data.category),
                *rules.check_founder(barred=hooks.person_barred(data.legal_rep_id, today)),
                *rules.check_institution(
                    category=data.category,
                    uscc=data.uscc,
                    licence_no=None,
                    licence_expires_on=None,
                    status=InstitutionStatus.APPLYING,
                    today=today,
                ),
            ]
        )
        if Institution.objects.filter(uscc=data.uscc).exists():
            raise ValidationError({"uscc": [_("该统一社会信用代码已登记，请联系主管部门。")]}, code="uscc_taken")
        institution = Institution.objects.create(
            name=data.name,
            name_key=name_sort_key(data.name),
            uscc=data.uscc,
            category=data.category,
            field=data.field,
            licensed_subjects=data.licensed_subjects or [],
            legal_form=data.legal_form,
            legal_rep_name=data.legal_rep_name,
            legal_rep_id=data.legal_rep_id,
            address=data.address,
            division_code=data.division_code,
            township_code=data.township_code,
            grid_code=data.grid_code,
            phone=data.phone,
            training_format=data.training_format,
            status=InstitutionStatus.APPLYING,
        )
        InstitutionOperator.objects.create(user=actor, institution=institution)
        audit_record(actor=actor, action="institution.register", obj=institution, after={"name": institution.name})
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if institution.status != InstitutionStatus.APPLYING:
        raise ValidationError(_("机构已取得办学许可或已停办，不能再次申请。"), code="not_applying")
    if LicenceApplication.objects.filter(institution=institution, status__in=OPEN_STATUSES).exists():
        raise ValidationError(_("已有正在办理的申请，请勿重复提交。"), code="already_open")
    today = timezone.localdate()
    application = LicenceApplication.objects.create(
        institution=institution,
        applicant=actor,
        division_code=institution.division_code,
        department=approving_department(institution.category, institution.field),
        status=S.SUBMITTED,
        step_due_on=step_due(S.SUBMITTED, today),
    )
    _save_materials(application, materials)
    ApplicationStep.objects.create(
        application=application,
        from_status="",
        to_status=S.SUBMITTED,
        actor=actor,
        comment=comment,
        due_on=application.step_due_on,
    )
    audit_record(
        actor=actor,
        action="licence_application.submit",
        obj=application,
        after={"institution": institution.pk, "department": application.department},
    )
    return application


@transaction.atomic
def licence_application_resubmit(
    *, actor: User, application: LicenceApplication, comment: str = "", materials: list[tuple[str, UploadedFile]]
) -> LicenceApplication:
    """The applicant answers a return for corrections (补正): new materials, back to submitted."""
    require(actor, "registry.apply_for_licence")
    app = LicenceApplication.objects.select_for_update().get(pk=application.pk)
    if (
        app.applicant_id != actor.pk
        and not InstitutionOperator.objects.filter(user=actor, institution_id=app.institution_id).exists()
    ):
        raise Http404
    step = workflow.transition(app.status, "resubmit")
    workflow.require(step, materials=len(materials) + app.materials.count())
    _save_materials(app, materials)
    _move(app, actor=actor, to=step.target, comment=comment, action="licence_application.resubmit")
    return app


# --- regulator side ---------------------------------------------------------------------------------------------


def _lock_for_regulator(actor: User, application: LicenceApplication) -> LicenceApplication:
    """The application locked for update, if the actor is a regulator of its county and department."""
    require(actor, "registry.review_applications")
    app = lock_in_scope_or_404(LicenceApplication.objects.all(), actor, pk=application.pk)
    if not workflow.ACTORS[workflow.DEPARTMENT_REGULATOR](actor, app):
        raise ValidationError(
            _("该申请应由%(dept)s部门审批，您所在的部门无权办理。") % {"dept": app.get_department_display()},
            code="wrong_department",
        )
    return app


def _move(
    app: LicenceApplication, *, actor: User, to: str, comment: str, action: str, extra: dict[str, Any] | None = None
) -> None:
    before = app.status
    app.status = to
    today = timezone.localdate()
    app.step_due_on = step_due(to, today)
    if to in (S.APPROVED, S.REJECTED):
        app.decided_at = timezone.now()
        app.step_due_on = None
    app.save()
    ApplicationStep.objects.create(
        application=app, from_status=before, to_status=to, actor=actor, comment=comment, due_on=app.step_due_on
    )
    audit_record(
        actor=actor,
        action=action,
        obj=app,
        before={"status": before},
        after={"status": to, "comment": comment, **(extra or {})},
    )


def _regulator_move(*, actor: User, application: LicenceApplication, comment: str, action: str) -> LicenceApplication:
    """Lock, check the move against the workflow table and its requirement, then record it."""
    app = _lock_for_regulator(actor, application)
    step = workflow.transition(app.status, action)
    workflow.require(step, comment=comment)
    _move(app, actor=actor, to=step.target, comment=comment, action=f"licence_application.{action}")
    return app


@transaction.atomic
def licence_application_accept(
    *, actor: User, application: LicenceApplication, comment: str = ""
) -> LicenceApplication:
    """受理."""
    return _regulator_move(actor=actor, application=application, comment=comment, action="accept")


@transaction.atomic
def licence_application_start_review(
    *, actor: User, application: LicenceApplication, comment: str = ""
) -> LicenceApplication:
    """材料审查 begins."""
    return _regulator_move(actor=actor, application=application, comment=comment, action="start_review")


@transaction.atomic
def licence_application_pass_review(
    *, actor: User, application: LicenceApplication, comment: str = ""
) -> LicenceApplication:
    """Materials are complete and lawful: on to the site check (实地核查)."""
    return _regulator_move(actor=actor, application=application, comment=comment, action="pass_review")


@transaction.atomic
def licence_application_return(*, actor: User, application: LicenceApplication, comment: str) -> LicenceApplication:
    """Back to the applicant for corrections (退回补正); the comment says what to correct."""
    return _regulator_move(actor=actor, application=application, comment=comment, action="return")


def _decision_no(app: LicenceApplication, kind: str) -> str:
    # The application's id keeps the number unique without a counter table.
    return f"{kind}〔{timezone.localdate().year}〕{app.pk:05d}号"


@transaction.atomic
def licence_application_reject(*, actor: User, application: LicenceApplication, comment: str) -> LicenceApplication:
    """不予许可: the comment is the reasons, printed in the decision (不予许可决定书)."""
    app = _regulator_move(actor=actor, application=application, comment=comment, action="reject")
    app.decision_no = _decision_no(app, _("不予许可"))
    app.save(update_fields=["decision_no"])
    return app


def _next_licence_no(prefix: str) -> str:
    last = Institution.objects.filter(licence_no__startswith=prefix).aggregate(m=Max("licence_no"))["m"]
    seq = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def licence_application_approve(
    *, actor: User, application: LicenceApplication, comment: str = ""
) -> LicenceApplication:
    """准予许可 after the site check: licence number issued, institution active (and so on the white list)."""
    app = _lock_for_regulator(actor, application)
    step = workflow.transition(app.status, "approve")
    workflow.require(step, comment=comment)
    inst = Institution.objects.select_for_update().get(pk=app.institution_id)
    today = timezone.localdate()
    sites = [(site.name, site_facts(site)) for site in inst.sites.filter(is_active=True).order_by("pk")]
    raise_if_any(
        [
            # Never licensed before: a new institution (an existing one converting keeps its licence history).
            *(rules.check_new_institution(category=inst.category) if inst.licence_issued_on is None else []),
            *rules.check_founder(barred=hooks.person_barred(inst.legal_rep_id, today)),
            *rules.check_institution(
                category=inst.category, uscc=inst.uscc, licence_no=None, licence_expires_on=None, status="", today=today
            ),
            *rules.check_premises_for_licence(sites, training_format=inst.training_format, today=today),
        ]
    )
    before = {"status": inst.status, "licence_no": inst.licence_no}
    prefix = f"{LICENCE_PREFIX.get(app.department, '民')}{app.division_code}{today.year}"
    for _attempt in range(5):
        licence_no = _next_licence_no(prefix)
        try:
            # The unique index on licence_no makes a concurrent approval wait, then fail here and retry.
            with transaction.atomic():
                Institution.objects.filter(pk=inst.pk).update(licence_no=licence_no)
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five collisions in a row
        raise ValidationError(_("许可证号分配冲突，请重试。"), code="licence_no_conflict")
    inst.refresh_from_db()
    inst.licence_no = licence_no
    inst.status = InstitutionStatus.ACTIVE
    inst.licence_issued_on = today
    try:
        inst.licence_expires_on = today.replace(year=today.year + licence_years())
    except ValueError:  # 29 February
        inst.licence_expires_on = today.replace(year=today.year + licence_years(), day=28)
    inst.approving_department = app.department
    inst.save()
    hooks.institutions_changed([inst.pk])
    audit_record(
        actor=actor,
        action="institution.approve",
        obj=inst,
        before=before,
        after={"status": inst.status, "licence_no": licence_no, "expires": inst.licence_expires_on},
    )
    _move(
        app,
        actor=actor,
        to=step.target,
        comment=comment,
        action="licence_application.approve",
        extra={"licence_no": licence_no},
    )
    app.decision_no = _decision_no(app, _("准予许可"))
    app.save(update_fields=["decision_no"])
    return app


# The service that carries out each regulator action of the workflow table (``workflow.TRANSITIONS``).
ACTION_SERVICES: dict[str, Callable[..., LicenceApplication]] = {
    "accept": licence_application_accept,
    "start_review": licence_application_start_review,
    "pass_review": licence_application_pass_review,
    "return": licence_application_return,
    "reject": licence_application_reject,
    "approve": licence_application_approve,
}


# --- institutions and sites -----------------------------------------------------------------------------------


def _owned_institution_locked(actor: User, institution: Institution) -> Institution:
    require(actor, "registry.manage_own_institution")
    if not InstitutionOperator.objects.filter(user=actor, institution_id=institution.pk).exists():
        raise Http404
    return Institution.objects.select_for_update().get(pk=institution.pk)


@transaction.atomic
def institution_update(*, actor: User, institution: Institution, changes: dict[str, Any]) -> Institution:
    """The operator corrects their institution's record; every change is kept in its history and audited."""
    inst = _owned_institution_locked(actor, institution)
    unknown = set(changes) - set(OPERATOR_EDITABLE)
    if unknown:
        raise ValidationError(
            _("这些信息须由主管部门变更：%(f)s") % {"f": "、".join(sorted(unknown))}, code="not_editable"
        )
    if "legal_rep_id" in changes:
        changes["legal_rep_id"] = validate_resident_id(changes["legal_rep_id"])
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationError({"name": [_("请填写机构名称。")]})
    for field in ("name", "address"):
        if field in changes:
            try:
                validate_printable(changes[field])
            except ValidationError as exc:
                raise ValidationError({field: [exc]}) from None
    before = {k: getattr(inst, k) for k in changes}
    changed = {k: v for k, v in changes.items() if getattr(inst, k) != v}
    if not changed:
        return inst
    for key, value in changed.items():
        setattr(inst, key, value)
    inst.name_key = name_sort_key(inst.name)
    inst._change_reason = _("机构管理员变更")  # type: ignore[attr-defined]
    inst.save()
    masked = {"legal_rep_id": "***"}
    audit_record(
        actor=actor,
        action="institution.update",
        obj=inst,
        before={k: masked.get(k, before[k]) for k in changed},
        after={k: masked.get(k, v) for k, v in changed.items()},
    )
    return inst


SITE_FIELDS = (
    "name",
    "address",
    "township_code",
    "usable_area_m2",
    "floor",
    "is_basement",
    "in_residential_building",
    "lease_start",
    "lease_end",
    "serves_children_12_or_under",
    "is_active",
)


def site_facts(site: Site) -> rules.SiteFacts:
    return rules.SiteFacts(
        usable_area_m2=site.usable_area_m2,
        floor=site.floor,
        is_basement=site.is_basement,
        in_residential_building=site.in_residential_building,
        lease_end=site.lease_end,
        serves_children_12_or_under=site.serves_children_12_or_under,
        lease_start=site.lease_start,
    )


@transaction.atomic
def site_save(
    *, actor: User, institution: Institution, data: dict[str, Any], site: Site | None = None
) -> tuple[Site, list[Violation]]:
    """Add or change a teaching site of the operator's institution; returns the premises violations found,
    which the regulator sees (the site is recorded as it is: hiding a non-compliant site helps nobody)."""
    inst = _owned_institution_locked(actor, institution)
    unknown = set(data) - set(SITE_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for field in ("name", "address"):
        try:
            validate_printable(data.get(field, ""))
        except ValidationError as exc:
            raise ValidationError({field: [exc]}) from None
    if site is not None:
        obj = Site.objects.select_for_update().get(pk=site.pk)
        if obj.institution_id != inst.pk:
            raise Http404
        before = {k: getattr(obj, k) for k in data}
        action = "site.update"
    else:
        obj = Site(institution=inst, division_code=inst.division_code)
        before = None
        action = "site.create"
    for key, value in data.items():
        setattr(obj, key, value)
    obj.division_code = inst.division_code
    obj.full_clean(exclude=["institution"])
    obj.save()
    violations = rules.check_site(site_facts(obj), today=timezone.localdate())
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after={**{k: getattr(obj, k) for k in data}, "violations": [v.code for v in violations]},
    )
    return obj, violations


# --- regulator actions on institutions --------------------------------------------------------------------------


def _regulator_institution_locked(actor: User, institution: Institution) -> Institution:
    """The institution locked, if the actor regulates it: another county's is a 404; an institution of the
    actor's county licensed by another department is a 403 (it may read it, not act on it)."""
    require(actor, "registry.change_institution_status")
    inst = lock_in_scope_or_404(Institution.objects.all(), actor, pk=institution.pk)
    require(actor, "registry.change_institution_status", inst)
    return inst


@transaction.atomic
def annual_inspection_record(
    *,
    actor: User,
    institution: Institution,
    year: int,
    result: str,
    inspected_on: datetime.date,
    note: str = "",
) -> AnnualInspection:
    """Enter (or correct) an institution's annual inspection result for a year."""
    inst = _regulator_institution_locked(actor, institution)
    today = timezone.localdate()
    if result not in InspectionResult.values:
        raise ValidationError({"result": [_("请选择年检结论。")]})
    if year < 2000 or year > today.year:
        raise ValidationError({"year": [_("年度不正确。")]})
    if inspected_on > today:
        raise ValidationError({"inspected_on": [_("年检日期不能晚于今天。")]})
    existing = AnnualInspection.objects.select_for_update().filter(institution=inst, year=year).first()
    before = {"result": existing.result} if existing else None
    obj, _created = AnnualInspection.objects.update_or_create(
        institution=inst,
        year=year,
        defaults={"result": result, "inspected_on": inspected_on, "note": note, "division_code": inst.division_code},
    )
    audit_record(
        actor=actor,
        action="institution.annual_inspection",
        obj=obj,
        before=before,
        after={"institution": inst.pk, "year": year, "result": result},
    )
    return obj


@transaction.atomic
def blacklist_add(
    *,
    actor: User,
    institution: Institution,
    reason: str,
    legal_basis: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> BlacklistEntry:
    """Put an institution on the black list (it leaves the white list at once)."""
    inst = _regulator_institution_locked(actor, institution)
    if not reason.strip() or not legal_basis.strip():
        raise ValidationError(_("列入黑名单须写明原因和依据。"), code="reason_required")
    start = start or timezone.localdate()
    if end is not None and end < start:
        raise ValidationError({"end": [_("移出日期不能早于列入日期。")]})
    entry = BlacklistEntry.objects.create(
        institution=inst,
        reason=reason.strip(),
        legal_basis=legal_basis.strip(),
        start=start,
        end=end,
        publisher=actor,
        department=actor.department or Department.EDUCATION,
        division_code=inst.division_code,
    )
    audit_record(
        actor=actor,
        action="blacklist.add",
        obj=entry,
        after={"institution": inst.pk, "reason": entry.reason, "basis": entry.legal_basis, "start": start, "end": end},
    )
    return entry


@transaction.atomic
def blacklist_lift(*, actor: User, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """Take an institution off the black list from today (the entry's end becomes yesterday)."""
    require(actor, "registry.lift_institution_blacklist")
    obj = lock_in_scope_or_404(BlacklistEntry.objects.all(), actor, pk=entry.pk)
    require(actor, "registry.lift_institution_blacklist", obj.institution)
    if not reason.strip():
        raise ValidationError(_("移出黑名单须写明理由。"), code="reason_required")
    today = timezone.localdate()
    if obj.end is not None and obj.end < today:
        raise ValidationError(_("该记录已不在黑名单期内。"), code="not_in_force")
    before = {"end": obj.end}
    obj.end = today - datetime.timedelta(days=1)
    obj.save(update_fields=["end"])
    audit_record(actor=actor, action="blacklist.lift", obj=obj, before=before, after={"end": obj.end, "reason": reason})
    return obj


IS = InstitutionStatus
# Status moves a regulator may make; "applying → active" happens only through an approved application.
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    IS.APPLYING: (IS.DEREGISTERED,),
    IS.UNLICENSED: (IS.STOPPED, IS.DEREGISTERED),  # closed (取缔); licensed only through an approved application
    IS.ACTIVE: (IS.SUSPENDED, IS.STOPPED, IS.REVOKED, IS.DEREGISTERED),
    IS.SUSPENDED: (IS.ACTIVE, IS.STOPPED, IS.REVOKED, IS.DEREGISTERED),
    IS.STOPPED: (IS.REVOKED, IS.DEREGISTERED),
    IS.REVOKED: (IS.DEREGISTERED,),
    IS.DEREGISTERED: (),
}


@transaction.atomic
def institution_change_status(*, actor: User, institution: Institution, status: str, reason: str) -> Institution:
    """A regulator of the county suspends enrolment, stops, revokes, restores or deregisters an institution;
    the reason is kept in the history and the audit log."""
    inst = _regulator_institution_locked(actor, institution)
    if not reason.strip():
        raise ValidationError(_("变更机构状态须写明理由。"), code="reason_required")
    if status not in STATUS_MOVES.get(inst.status, ()):
        if inst.status == IS.DEREGISTERED:
            raise ValidationError(_("该机构已注销。"), code="already_deregistered")
        raise ValidationError(
            _("机构当前状态为“%(s)s”，不能变更为“%(t)s”。")
            % {"s": inst.get_status_display(), "t": IS(status).label if status in IS.values else status},
            code="invalid_transition",
        )
    before = {"status": inst.status}
    inst.status = status
    inst._change_reason = reason  # type: ignore[attr-defined]
    inst.save()
    hooks.institutions_changed([inst.pk])
    action = "institution.deregister" if status == IS.DEREGISTERED else "institution.status"
    audit_record(actor=actor, action=action, obj=inst, before=before, after={"status": status, "reason": reason})
    return inst


def institution_deregister(*, actor: User, institution: Institution, reason: str) -> Institution:
    """注销 (e.g. a zombie institution): status deregistered, off the white list; audited with the reason."""
    return institution_change_status(actor=actor, institution=institution, status=IS.DEREGISTERED, reason=reason)
