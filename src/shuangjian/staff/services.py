"""Every write of the staff app: people, employments, qualifications, the person black list and flags.

``check_employment`` answers the compliance-check endpoint (``POST /api/v1/compliance/check`` kind
"employment") with exactly the violations ``employment_create`` / ``employment_upsert`` would raise, writing
nothing. ``flag_rostered_employments`` runs when a school's roster arrives (``StaffConfig.ready`` registers it in
``schools.hooks``): employments of rostered teachers are flagged for the regulator, never deleted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.access import has_forbidden_characters, lock_in_scope_or_404
from shuangjian.core.audit import audit_record
from shuangjian.core.locks import lock_resident_ids
from shuangjian.core.models import User
from shuangjian.core.permissions import require
from shuangjian.core.rules import RuleViolationError, Violation, raise_if_any
from shuangjian.core.validators import mask_resident_id, validate_mobile, validate_resident_id
from shuangjian.registry.models import Category, Institution, NonSubjectField, Subject

from . import rules
from .models import (
    Employment,
    EmploymentFlag,
    EmploymentRole,
    FlagCode,
    Person,
    PersonBlacklist,
    Qualification,
    QualificationKind,
    TeacherLevel,
)
from .selectors import active_blacklist_ids, current_q, in_service_schools, operator_institution

BASIS_ID = "GB 11643-1999"
BASIS_INPUT = gettext_lazy("从业人员信息登记要求")


@dataclass(frozen=True)
class QualificationData:
    kind: str
    number: str
    subject: str = ""
    level: str = ""
    field: str = ""
    name: str = ""
    issued_on: datetime.date | None = None


@dataclass(frozen=True)
class EmploymentData:
    """A person and their job as a form or an institution's system describes them."""

    resident_id: str
    name: str
    start: datetime.date
    role: str = EmploymentRole.TRAINER
    phone: str = ""
    end: datetime.date | None = None
    subjects: tuple[str, ...] = ()
    field: str = ""
    qualifications: tuple[QualificationData, ...] = ()


# --- helpers ------------------------------------------------------------------------------------------------------


def _require_operator(actor: User) -> Institution:
    institution = operator_institution(actor)
    if institution is None:
        raise Http404
    return institution


def _v(code: str, message: str, field: str, basis: str = "") -> Violation:
    return Violation(code, message, basis or str(BASIS_INPUT), field)


def _clean(data: EmploymentData) -> tuple[EmploymentData, list[Violation]]:
    """Normalise the input and report every malformed part (as violations, so the caller sees them all)."""
    found: list[Violation] = []
    name = " ".join((data.name or "").split())
    if not name:
        found.append(_v("staff.name_missing", _("请填写姓名。"), "name"))
    elif has_forbidden_characters(name) or len(name) > 64:
        found.append(_v("staff.name_invalid", _("姓名含有不允许的字符或过长。"), "name"))
    resident_id = (data.resident_id or "").strip()
    try:
        resident_id = validate_resident_id(resident_id)
    except ValidationError as exc:
        found.append(_v("staff.resident_id_invalid", str(exc.messages[0]), "resident_id", BASIS_ID))
    phone = (data.phone or "").strip()
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            found.append(_v("staff.phone_invalid", str(exc.messages[0]), "phone"))
    if data.role not in EmploymentRole.values:
        found.append(_v("staff.role_invalid", _("岗位应为培训教师、管理人员或其他人员。"), "role"))
    subjects = tuple(dict.fromkeys(s for s in (data.subjects or ()) if s))
    bad = [s for s in subjects if s not in Subject.values]
    if bad:
        found.append(_v("staff.subject_invalid", _("不是学科类学科：%(s)s") % {"s": "、".join(bad)}, "subjects"))
    if data.field and data.field not in NonSubjectField.values:
        found.append(_v("staff.field_invalid", _("领域应为体育、文化艺术或科技。"), "field"))
    if data.end is not None and data.end < data.start:
        found.append(_v("staff.end_before_start", _("离职日期不能早于入职日期。"), "end"))
    quals: list[QualificationData] = []
    for i, q in enumerate(data.qualifications or ()):
        q, errs = _clean_qualification(q, index=i)
        found += errs
        quals.append(q)
    cleaned = replace(
        data,
        name=name,
        resident_id=resident_id,
        phone=phone,
        subjects=subjects,
        qualifications=tuple(quals),
    )
    return cleaned, found


def _clean_qualification(q: QualificationData, *, index: int = 0) -> tuple[QualificationData, list[Violation]]:
    found: list[Violation] = []
    where = f"qualifications.{index}"
    number = "".join((q.number or "").split()).upper()
    if not number:
        found.append(_v("staff.certificate_number_missing", _("请填写证书编号。"), f"{where}.number"))
    elif (
        has_forbidden_characters(number)
        or len(number) > 64
        or has_forbidden_characters(q.name or "")
        or len(q.name or "") > 128
    ):
        found.append(_v("staff.certificate_invalid", _("证书编号或名称含有不允许的字符或过长。"), f"{where}.number"))
    if q.kind == QualificationKind.TEACHER_CERTIFICATE:
        if q.subject not in Subject.values:
            found.append(_v("staff.certificate_subject_invalid", _("教师资格证须注明任教学科。"), f"{where}.subject"))
        if q.level not in TeacherLevel.values:
            found.append(
                _v("staff.certificate_level_invalid", _("教师资格证须注明资格种类（学段）。"), f"{where}.level")
            )
    elif q.kind == QualificationKind.PROFESSIONAL:
        if q.field not in NonSubjectField.values:
            found.append(_v("staff.certificate_field_invalid", _("专业资质证书须注明领域。"), f"{where}.field"))
    else:
        found.append(_v("staff.certificate_kind_invalid", _("证书类型应为教师资格证或专业资质证书。"), f"{where}.kind"))
    return replace(q, number=number, name=(q.name or "").strip()), found


def _external_id_violations(external_id: str, *, required: bool) -> list[Violation]:
    if not external_id:
        return [_v("staff.external_id_missing", _("缺少机构系统编号。"), "external_id")] if required else []
    if len(external_id) > 64 or has_forbidden_characters(external_id):
        return [_v("staff.external_id_invalid", _("机构系统编号最长64个字符，且不能含控制字符。"), "external_id")]
    return []


def _certificate_facts(kind: str, subject: str, field: str, number: str) -> rules.CertificateFacts:
    if kind == QualificationKind.TEACHER_CERTIFICATE:
        return rules.CertificateFacts("teacher", subject, number)
    return rules.CertificateFacts("professional", field, number)


def _employment_violations(
    *,
    institution: Institution,
    data: EmploymentData,
    person: Person | None,
    exclude_employment_id: int | None = None,
    today: datetime.date | None = None,
) -> list[Violation]:
    """Every rule the employment breaks: identity, black list, in-service roster, certificates, duplicates."""
    today = today or timezone.localdate()
    found: list[Violation] = []
    if person is not None and person.name != data.name:
        found.append(
            _v(
                "staff.person_name_mismatch",
                _("该身份证号已登记的姓名与填写的姓名不一致。"),
                "name",
                BASIS_ID,
            )
        )
    certs = []
    if person is not None:
        certs = [_certificate_facts(q.kind, q.subject, q.field, q.number) for q in person.qualifications.all()]
    certs += [_certificate_facts(q.kind, q.subject, q.field, q.number) for q in data.qualifications]
    facts = rules.PersonFacts(
        name=data.name,
        is_in_service_teacher=bool(in_service_schools([data.resident_id]).get(data.resident_id)),
        is_blacklisted=data.resident_id in active_blacklist_ids([data.resident_id], today),
        certificates=tuple(certs),
    )
    ending = data.end is not None and data.end <= today
    if not ending:
        found += rules.check_person_employable(facts)
    if data.role == EmploymentRole.TRAINER:
        if institution.category == Category.SUBJECT:
            if not data.subjects:
                found.append(_v("staff.trainer_subject_missing", _("学科类培训教师须注明所授学科。"), "subjects"))
            for subject in data.subjects:
                found += rules.check_trainer_qualification(facts, rules.SUBJECT, subject, "")
        else:
            field = data.field or institution.field
            found += rules.check_trainer_qualification(facts, Category.NON_SUBJECT, "", field)
    if person is not None:
        dup = Employment.objects.filter(person=person, institution=institution).filter(current_q(today))
        if exclude_employment_id is not None:
            dup = dup.exclude(pk=exclude_employment_id)
        if dup.exists():
            found.append(_v("staff.already_employed", _("此人已在本机构任职，请勿重复登记。"), "resident_id"))
    unique: dict[tuple[str, str], Violation] = {}
    for v in found:
        unique.setdefault((v.code, v.message), v)
    return list(unique.values())


def _save_qualifications(person: Person, items: Iterable[QualificationData]) -> list[Qualification]:
    saved = []
    for q in items:
        obj, _created = Qualification.objects.update_or_create(
            person=person,
            kind=q.kind,
            number=q.number,
            defaults={
                "subject": q.subject if q.kind == QualificationKind.TEACHER_CERTIFICATE else "",
                "level": q.level if q.kind == QualificationKind.TEACHER_CERTIFICATE else "",
                "field": q.field if q.kind == QualificationKind.PROFESSIONAL else "",
                "name": q.name,
                "issued_on": q.issued_on,
            },
        )
        saved.append(obj)
    return saved


def _snapshot(e: Employment) -> dict[str, Any]:
    return {
        "person": e.person_id,
        "resident_id": mask_resident_id(e.person.resident_id),
        "institution": e.institution_id,
        "external_id": e.external_id,
        "role": e.role,
        "start": e.start,
        "end": e.end,
        "subjects": list(e.subjects or []),
        "field": e.field,
    }


# --- people -------------------------------------------------------------------------------------------------------


@transaction.atomic
def person_upsert(*, actor: User, resident_id: str, name: str, phone: str = "") -> Person:
    """Find the person by resident ID or create them; a differing name is refused, the phone is updated."""
    require(actor, "staff.write_people")
    data, found = _clean(EmploymentData(resident_id=resident_id, name=name, phone=phone, start=timezone.localdate()))
    raise_if_any(found)
    person = Person.objects.select_for_update().filter(resident_id=data.resident_id).first()
    if person is not None and person.name != data.name:
        raise RuleViolationError(
            [_v("staff.person_name_mismatch", _("该身份证号已登记的姓名与填写的姓名不一致。"), "name", BASIS_ID)]
        )
    if person is None:
        person = Person.objects.create(resident_id=data.resident_id, name=data.name, phone=data.phone)
        audit_record(actor=actor, action="staff.person_create", obj=person, after={"name": person.name})
    elif data.phone and person.phone != data.phone:
        person.phone = data.phone
        person.save(update_fields=["phone", "updated_at"])
        audit_record(actor=actor, action="staff.person_update", obj=person, after={"phone": "changed"})
    return person


# --- employments --------------------------------------------------------------------------------------------------


def check_employment(*, actor: User, data: EmploymentData, external_id: str = "") -> list[Violation]:
    """Every violation ``employment_create``/``employment_upsert`` would raise for this data; writes nothing.

    ``external_id``: the institution's own id of the employment, so re-sending an existing one is no duplicate.
    """
    institution = _require_operator(actor)
    cleaned, found = _clean(data)
    if found:
        return found
    person = Person.objects.filter(resident_id=cleaned.resident_id).first()
    existing_id = None
    if external_id:
        existing_id = (
            Employment.objects.filter(institution=institution, external_id=external_id)
            .values_list("pk", flat=True)
            .first()
        )
    return _employment_violations(
        institution=institution, data=cleaned, person=person, exclude_employment_id=existing_id
    )


def _write_employment(
    *, actor: User, institution: Institution, data: EmploymentData, existing: Employment | None, external_id: str
) -> tuple[Employment, bool]:
    lock_resident_ids([data.resident_id])
    person = Person.objects.select_for_update().filter(resident_id=data.resident_id).first()
    if existing is not None and person is not None and existing.person_id != person.pk:
        raise RuleViolationError(
            [
                _v(
                    "staff.external_id_conflict",
                    _("该机构系统编号已用于另一名人员的聘用记录。"),
                    "external_id",
                )
            ]
        )
    if existing is not None and person is None:
        raise RuleViolationError(
            [_v("staff.external_id_conflict", _("该机构系统编号已用于另一名人员的聘用记录。"), "external_id")]
        )
    raise_if_any(
        _employment_violations(
            institution=institution,
            data=data,
            person=person,
            exclude_employment_id=existing.pk if existing else None,
        )
    )
    if person is None:
        person = Person.objects.create(resident_id=data.resident_id, name=data.name, phone=data.phone)
        audit_record(actor=actor, action="staff.person_create", obj=person, after={"name": person.name})
    elif data.phone and person.phone != data.phone:
        person.phone = data.phone
        person.save(update_fields=["phone", "updated_at"])
    for q in _save_qualifications(person, data.qualifications):
        audit_record(
            actor=actor,
            action="staff.qualification_add",
            obj=q,
            division_code=institution.division_code,
            after={"kind": q.kind, "number": q.number, "subject": q.subject, "field": q.field},
        )
    values = {
        "role": data.role,
        "start": data.start,
        "end": data.end,
        "subjects": list(data.subjects) if data.role == EmploymentRole.TRAINER else [],
        "field": (data.field or institution.field) if institution.category != Category.SUBJECT else "",
    }
    if existing is None:
        employment = Employment.objects.create(
            person=person,
            institution=institution,
            external_id=external_id,
            division_code=institution.division_code,
            created_by=actor,
            **values,
        )
        audit_record(actor=actor, action="staff.employment_create", obj=employment, after=_snapshot(employment))
        return employment, True
    before = _snapshot(existing)
    for key, value in values.items():
        setattr(existing, key, value)
    after = _snapshot(existing)
    if after != before:
        existing.save()
        audit_record(actor=actor, action="staff.employment_update", obj=existing, before=before, after=after)
    return existing, False


@transaction.atomic
def employment_create(*, actor: User, data: EmploymentData, external_id: str = "") -> Employment:
    """Record a person (found or created by resident ID), their certificates and their job at the operator's
    institution. Raises ``RuleViolationError`` with every violation and writes nothing when any rule is broken."""
    institution = _require_operator(actor)
    cleaned, found = _clean(data)
    raise_if_any(found)
    # Serialises one institution's staff writes, so a double submit cannot create two employments.
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    external_id = (external_id or "").strip()
    raise_if_any(_external_id_violations(external_id, required=False))
    if external_id and Employment.objects.filter(institution=institution, external_id=external_id).exists():
        raise RuleViolationError([_v("staff.external_id_taken", _("该机构系统编号已被使用。"), "external_id")])
    employment, _created = _write_employment(
        actor=actor, institution=institution, data=cleaned, existing=None, external_id=external_id
    )
    return employment


@transaction.atomic
def employment_upsert(*, actor: User, external_id: str, data: EmploymentData) -> tuple[Employment, bool]:
    """The data-exchange write: the same call twice leaves one employment. Returns (employment, created)."""
    institution = _require_operator(actor)
    external_id = (external_id or "").strip()
    cleaned, found = _clean(data)
    found += _external_id_violations(external_id, required=True)
    raise_if_any(found)
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    existing = (
        Employment.objects.select_for_update()
        .select_related("person")
        .filter(institution=institution, external_id=external_id)
        .first()
    )
    return _write_employment(
        actor=actor, institution=institution, data=cleaned, existing=existing, external_id=external_id
    )


@transaction.atomic
def employment_end(*, actor: User, employment: Employment, end: datetime.date) -> Employment:
    """End one of the operator's employments on ``end`` (not before it started)."""
    institution = _require_operator(actor)
    locked = Employment.objects.select_for_update().filter(pk=employment.pk, institution=institution).first()
    if locked is None:
        raise Http404
    if end < locked.start:
        raise RuleViolationError([_v("staff.end_before_start", _("离职日期不能早于入职日期。"), "end")])
    before = {"end": locked.end}
    locked.end = end
    locked.save(update_fields=["end", "updated_at"])
    audit_record(actor=actor, action="staff.employment_end", obj=locked, before=before, after={"end": end})
    return locked


@transaction.atomic
def qualification_add(*, actor: User, person: Person, data: QualificationData) -> Qualification:
    """Add (or correct) a certificate of a person the operator's institution employs."""
    institution = _require_operator(actor)
    if not Employment.objects.filter(person=person, institution=institution).exists():
        raise Http404
    cleaned, found = _clean_qualification(data)
    raise_if_any(found)
    (q,) = _save_qualifications(person, [cleaned])
    audit_record(
        actor=actor,
        action="staff.qualification_add",
        obj=q,
        division_code=institution.division_code,
        after={"kind": q.kind, "number": q.number, "subject": q.subject, "field": q.field},
    )
    return q


# --- flags --------------------------------------------------------------------------------------------------------


def flag_rostered_employments(*, actor: User, entries: Iterable[Any]) -> list[EmploymentFlag]:
    """Flag every current employment of a rostered in-service teacher (``entries``: schools.RosterEntry rows).

    Runs in the caller's transaction; an employment already holding an open in-service flag is not flagged twice.
    """
    by_id = {e.resident_id: e for e in entries}
    if not by_id:
        return []
    employments = (
        Employment.objects.select_related("person", "institution")
        .filter(person__resident_id__in=list(by_id))
        .filter(current_q())
        .exclude(flags__code=FlagCode.IN_SERVICE_TEACHER, flags__resolved_at__isnull=True)
    )
    created = []
    for e in employments:
        entry = by_id[e.person.resident_id]
        flag = EmploymentFlag.objects.create(
            employment=e,
            code=FlagCode.IN_SERVICE_TEACHER,
            detail=_("%(name)s 在 %(school)s 在职教师名单中，同时在 %(inst)s 任职。")
            % {"name": e.person.name, "school": entry.school.name, "inst": e.institution.name},
            basis=str(rules.BASIS_IN_SERVICE),
            roster_entry=entry,
            division_code=e.division_code,
        )
        audit_record(actor=actor, action="staff.employment_flag", obj=flag, after={"code": flag.code})
        created.append(flag)
    return created


@transaction.atomic
def flag_resolve(*, actor: User, flag: EmploymentFlag, resolution: str) -> EmploymentFlag:
    require(actor, "staff.resolve_flags")
    locked = lock_in_scope_or_404(EmploymentFlag.objects.all(), actor, pk=flag.pk)
    resolution = (resolution or "").strip()
    if not resolution:
        raise RuleViolationError([_v("staff.resolution_missing", _("请填写处理情况。"), "resolution")])
    if locked.resolved_at is None:
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution = resolution
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(actor=actor, action="staff.flag_resolve", obj=locked, after={"resolution": resolution})
    return locked


# --- person black list (限制从业) ---------------------------------------------------------------------------------


@transaction.atomic
def person_blacklist_add(
    *,
    actor: User,
    resident_id: str,
    name: str,
    reason: str,
    start: datetime.date,
    end: datetime.date | None = None,
    legal_basis: str = "",
) -> PersonBlacklist:
    """Bar a person from training work; every current employment of theirs is flagged for the regulator."""
    require(actor, "staff.manage_people_blacklist")
    found: list[Violation] = []
    try:
        resident_id = validate_resident_id(resident_id)
    except ValidationError as exc:
        found.append(_v("staff.resident_id_invalid", str(exc.messages[0]), "resident_id", BASIS_ID))
    name = " ".join((name or "").split())
    if not name:
        found.append(_v("staff.name_missing", _("请填写姓名。"), "name"))
    if not (reason or "").strip():
        found.append(_v("staff.reason_missing", _("请填写列入原因。"), "reason"))
    if end is not None and end < start:
        found.append(_v("staff.end_before_start", _("截止日期不能早于起始日期。"), "end"))
    if has_forbidden_characters(name) or len(name) > 64:
        found.append(_v("staff.name_invalid", _("姓名含有不允许的字符或过长。"), "name"))
    if has_forbidden_characters(legal_basis or "") or len(legal_basis or "") > 255:
        found.append(_v("staff.basis_invalid", _("依据过长或含有不允许的字符。"), "legal_basis"))
    division = (actor.scope_code or "")[:6]
    if len(division) != 6 and not actor.is_platform_admin:
        found.append(_v("staff.scope_not_county", _("限制从业须由县级部门发布。"), "resident_id"))
    raise_if_any(found)
    lock_resident_ids([resident_id])
    person = Person.objects.filter(resident_id=resident_id).first()
    entry = PersonBlacklist.objects.create(
        person=person,
        resident_id=resident_id,
        name=name,
        reason=reason.strip(),
        legal_basis=legal_basis.strip() or str(rules.BASIS_BLACKLIST),
        start=start,
        end=end,
        publisher=actor,
        division_code=division,
    )
    audit_record(
        actor=actor,
        action="staff.person_blacklist_add",
        obj=entry,
        after={"resident_id": mask_resident_id(resident_id), "start": start, "end": end},
    )
    if person is not None and start <= timezone.localdate():
        for e in Employment.objects.select_related("institution").filter(person=person).filter(current_q()):
            if e.flags.filter(code=FlagCode.BLACKLISTED, resolved_at__isnull=True).exists():
                continue
            flag = EmploymentFlag.objects.create(
                employment=e,
                code=FlagCode.BLACKLISTED,
                detail=_("%(name)s 已被限制从业，仍在 %(inst)s 任职。") % {"name": name, "inst": e.institution.name},
                basis=entry.legal_basis,
                division_code=e.division_code,
            )
            audit_record(actor=actor, action="staff.employment_flag", obj=flag, after={"code": flag.code})
    return entry


@transaction.atomic
def person_blacklist_lift(*, actor: User, entry: PersonBlacklist, reason: str) -> PersonBlacklist:
    require(actor, "staff.manage_people_blacklist")
    locked = lock_in_scope_or_404(PersonBlacklist.objects.all(), actor, pk=entry.pk)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolationError([_v("staff.reason_missing", _("请填写解除原因。"), "lift_reason")])
    if locked.lifted_at is None:
        locked.lifted_at = timezone.now()
        locked.lifted_by = actor
        locked.lift_reason = reason
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_record(actor=actor, action="staff.person_blacklist_lift", obj=locked, after={"reason": reason})
    return locked
