"""Recording an inspection in the field (inspections area): the checklist results, photo evidence per item,
signatures, and signs and ads found. One write path, idempotent by the phone draft's ``client_uuid``.

A follow-up inspection (kind follow_up) checks only the items its rectification notice listed; submitting it
closes or escalates the notice (``notices.notice_follow_up_done``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import Department, User
from shuangjian.core.permissions import require
from shuangjian.core.photos import Photo, photos_check
from shuangjian.registry.models import Institution

from . import coverage, notices
from .checklist import BY_CODE, ChecklistItem, checklist_for
from .evidence import evidence_photo_store
from .hooks import inspection_done_callbacks
from .models import (
    AdFinding,
    AdKind,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RectificationNotice,
    SubjectKind,
)
from .subjects import Subject


@dataclass(frozen=True)
class ItemInput:
    code: str
    result: str
    note: str = ""
    photos: Sequence[Any] = field(default_factory=tuple)


def expected_items(inspection: Inspection | None, *, unlicensed: bool) -> tuple[ChecklistItem, ...]:
    """The items an inspection must answer: a follow-up only its notice's items, any other the whole checklist."""
    if inspection is not None and inspection.pk and inspection.kind == InspectionKind.FOLLOW_UP:
        notice = RectificationNotice.objects.filter(follow_up=inspection).first()
        if notice is not None:
            codes = list(notice.items.values_list("code", flat=True))
            return tuple(BY_CODE[c] for c in codes if c in BY_CODE)
    return checklist_for(unlicensed=unlicensed)


def photos_per_item() -> int:
    return int(settings.INSPECTION_PHOTOS_PER_ITEM)


def _check_items(
    items: Sequence[ItemInput], expected: tuple[ChecklistItem, ...]
) -> tuple[dict[str, ItemInput], dict[str, list[Photo]]]:
    errors: dict[str, list[str]] = {}
    given = {i.code: i for i in items}
    unknown = sorted(set(given) - {e.code for e in expected})
    if unknown:
        errors["items"] = [_("未知或不属于本次检查的检查项：%(c)s。") % {"c": "、".join(unknown)}]
    photos: dict[str, list[Photo]] = {}
    for item in expected:
        got = given.get(item.code)
        if got is None or got.result not in ItemResult.values:
            errors.setdefault(f"item_{item.code}", []).append(_("请选择“%(l)s”的检查结果。") % {"l": item.label})
            continue
        if got.result == ItemResult.FAILED and not got.note.strip():
            errors.setdefault(f"note_{item.code}", []).append(
                _("“%(l)s”不合格，请写明发现的问题。") % {"l": item.label}
            )
        try:
            photos[item.code] = photos_check(list(got.photos), max_count=photos_per_item())
        except ValidationError as exc:
            errors.setdefault(f"photos_{item.code}", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return given, photos


@transaction.atomic
def inspection_submit(
    *,
    actor: User,
    client_uuid: uuid.UUID,
    items: Sequence[ItemInput],
    planned: Inspection | None = None,
    subject: Subject | None = None,
    kind: str = InspectionKind.ROUTINE,
    joint_departments: Sequence[str] = (),
    place: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    summary: str = "",
    inspector_signatures: str = "",
    party_signature: str = "",
    party_refused: bool = False,
    inspected_at: datetime.datetime | None = None,
) -> tuple[Inspection, bool]:
    """Record a finished inspection; answers ``(inspection, created)``. The same ``client_uuid`` submitted again
    (a phone retrying an offline draft) returns the inspection already recorded and writes nothing."""
    done = Inspection.objects.filter(client_uuid=client_uuid, status=InspectionStatus.DONE).first()
    if done is not None:
        require(actor, "enforcement.record_inspection", done)
        return done, False
    if planned is not None:
        inspection = Inspection.objects.select_for_update().get(pk=planned.pk)
        if inspection.status == InspectionStatus.DONE and inspection.client_uuid == client_uuid:
            # The same draft, sent twice at once: the other request held the lock and recorded it.
            require(actor, "enforcement.record_inspection", inspection)
            return inspection, False
        if inspection.status == InspectionStatus.DONE:
            raise ValidationError(_("该检查已提交，不能重复记录。"), code="already_done")
        if inspection.status == InspectionStatus.CANCELLED:
            raise ValidationError(_("该检查已撤销。"), code="cancelled")
    elif subject is not None:
        if kind not in InspectionKind.values or kind == InspectionKind.FOLLOW_UP:
            raise ValidationError({"kind": [_("请选择检查类型（整改复查由整改通知书安排）。")]}, code="invalid_kind")
        inspection = Inspection(**subject.fields(), kind=kind, created_by=actor)
    else:
        raise ValidationError(_("请指明检查对象。"), code="subject_required")
    require(actor, "enforcement.record_inspection", inspection)

    errors: dict[str, list[str]] = {}
    depts = [d for d in joint_departments if d]
    if any(d not in Department.values for d in depts):
        errors["joint_departments"] = [_("未知的部门。")]
    if inspection.kind == InspectionKind.JOINT and not depts:
        errors["joint_departments"] = [_("联合检查请选择参加的部门。")]
    if not inspector_signatures.strip():
        errors["inspector_signatures"] = [_("请检查人员签名（填写姓名）。")]
    if not party_signature.strip() and not party_refused:
        errors["party_signature"] = [_("请当事人签名，或勾选“当事人拒绝签名”。")]
    expected = expected_items(inspection, unlicensed=inspection.subject_kind == SubjectKind.UNLICENSED)
    try:
        given, photos = _check_items(items, expected)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    inspection.status = InspectionStatus.DONE
    inspection.client_uuid = client_uuid
    inspection.joint_departments = depts
    inspection.place = place.strip()[:255]
    inspection.latitude, inspection.longitude = latitude, longitude
    inspection.summary = summary.strip() or inspection.summary
    inspection.inspector_signatures = inspector_signatures.strip()[:255]
    inspection.party_signature = "" if party_refused else party_signature.strip()[:64]
    inspection.party_refused_to_sign = party_refused
    inspection.inspected_at = inspected_at or now
    inspection.completed_at = now
    inspection.lead_inspector = inspection.lead_inspector or actor
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        # The same draft submitted twice at once: the other request recorded it.
        done = Inspection.objects.get(client_uuid=client_uuid)
        return done, False
    inspection.inspectors.add(actor)
    for item in expected:
        got = given[item.code]
        row = InspectionItem.objects.create(
            inspection=inspection, code=item.code, label=str(item.label), result=got.result, note=got.note.strip()
        )
        for photo in photos[item.code]:
            evidence_photo_store(
                actor=actor,
                photo=photo,
                division_code=inspection.division_code,
                institution=inspection.institution,
                item=row,
            )
    failed = [i.code for i in expected if given[i.code].result == ItemResult.FAILED]
    audit_record(
        actor=actor,
        action="inspection.submit",
        obj=inspection,
        after={"kind": inspection.kind, "failed": failed, "client_uuid": str(client_uuid)},
    )
    if inspection.institution_id is not None:
        coverage.sync_institutions([inspection.institution_id])  # the kept coverage figures, same transaction
    if inspection.kind == InspectionKind.FOLLOW_UP:
        notices.notice_follow_up_done(actor=actor, inspection=inspection)
    for callback in inspection_done_callbacks():
        callback(actor=actor, inspection=inspection)
    return inspection, True


def inspection_results(inspection: Inspection) -> Mapping[str, str]:
    return dict(inspection.items.values_list("code", "result"))


@transaction.atomic
def ad_finding_record(
    *,
    actor: User,
    division_code: str,
    kind: str,
    place: str,
    found_on: datetime.date,
    subject_name: str,
    institution: Institution | None = None,
    inspection: Inspection | None = None,
    removed: bool = False,
    removed_on: datetime.date | None = None,
    note: str = "",
    photos: Sequence[Any] = (),
) -> AdFinding:
    """An illegal ad or sign found (type, place, photo, removed or not and when)."""
    errors: dict[str, list[str]] = {}
    if kind not in AdKind.values:
        errors["kind"] = [_("请选择广告标识类型。")]
    if not place.strip():
        errors["place"] = [_("请填写位置。")]
    if not subject_name.strip():
        errors["subject_name"] = [_("请填写发布主体。")]
    if removed and removed_on is None:
        errors["removed_on"] = [_("已清理的请填写清理日期。")]
    if removed_on is not None and removed_on < found_on:
        errors["removed_on"] = [_("清理日期不能早于发现日期。")]
    if institution is not None and institution.division_code != division_code:
        errors["institution"] = [_("机构不在该县区。")]
    try:
        checked = photos_check(list(photos), max_count=photos_per_item())
    except ValidationError as exc:
        errors["photos"] = exc.messages
    if errors:
        raise ValidationError(errors)
    finding = AdFinding(
        inspection=inspection,
        institution=institution,
        subject_name=subject_name.strip()[:128],
        division_code=division_code,
        kind=kind,
        place=place.strip()[:255],
        found_on=found_on,
        removed=removed,
        removed_on=removed_on if removed else None,
        note=note.strip(),
        created_by=actor,
    )
    require(actor, "enforcement.record_ad", finding)
    finding.save()
    for photo in checked:
        evidence_photo_store(
            actor=actor, photo=photo, division_code=division_code, institution=institution, ad_finding=finding
        )
    audit_record(actor=actor, action="ad.record", obj=finding, after={"kind": kind, "place": finding.place})
    return finding


@transaction.atomic
def ad_finding_removed(*, actor: User, finding: AdFinding, removed_on: datetime.date) -> AdFinding:
    row = AdFinding.objects.select_for_update().get(pk=finding.pk)
    require(actor, "enforcement.record_ad", row)
    if row.removed:
        raise ValidationError(_("该广告标识已登记清理。"), code="already_removed")
    if removed_on < row.found_on:
        raise ValidationError({"removed_on": [_("清理日期不能早于发现日期。")]}, code="removed_before_found")
    row.removed, row.removed_on = True, removed_on
    row.save(update_fields=["removed", "removed_on"])
    audit_record(actor=actor, action="ad.removed", obj=row, after={"removed_on": removed_on.isoformat()})
    return row


@transaction.atomic
def inspection_start(*, actor: User, subject: Subject, kind: str) -> Inspection:
    """An inspection the inspector starts on the spot (no plan or lead before it): planned today, theirs."""
    from .services import inspection_lead_create

    if kind == InspectionKind.FOLLOW_UP:
        raise ValidationError({"kind": [_("整改复查由整改通知书安排。")]}, code="invalid_kind")
    insp = inspection_lead_create(
        actor=actor,
        subject=subject,
        kind=kind,
        planned_on=timezone.localdate(),
    )
    insp.lead_inspector = actor
    insp.save(update_fields=["lead_inspector"])
    insp.inspectors.add(actor)
    return insp
