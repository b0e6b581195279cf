"""Writes every enforcement module shares: leads (线索) for an inspection, and unlicensed operations.

Public reports, grid patrols, roster cross-checks and competition findings raise a lead here; the inspection
itself is recorded by ``inspections`` services. Each write is atomic and audited.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import Division, User
from shuangjian.core.permissions import require
from shuangjian.registry.models import Institution

from .models import Inspection, InspectionKind, InspectionSource, InspectionStatus, UnlicensedOperation
from .subjects import Subject


@transaction.atomic
def inspection_lead_create(
    *,
    actor: User,
    subject: Subject,
    kind: str = InspectionKind.REPORT,
    source: str = InspectionSource.STAFF,
    source_ref: str = "",
    planned_on: datetime.date | None = None,
    note: str = "",
) -> Inspection:
    """A planned inspection of ``subject`` raised from a report, a patrol, a roster check or by staff."""
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": [_("未知的检查类型。")]}, code="invalid_kind")
    if source not in InspectionSource.values:
        raise ValidationError({"source": [_("未知的线索来源。")]}, code="invalid_source")
    fields = subject.fields()
    require(actor, "enforcement.create_lead", Inspection(**fields))
    return _lead_write(
        actor=actor, fields=fields, kind=kind, source=source, source_ref=source_ref, planned_on=planned_on, note=note
    )


def _lead_write(
    *,
    actor: User,
    fields: dict[str, Any],
    kind: str,
    source: str,
    source_ref: str,
    planned_on: datetime.date | None,
    note: str,
) -> Inspection:
    inspection = Inspection.objects.create(
        **fields,
        kind=kind,
        status=InspectionStatus.PLANNED,
        source=source,
        source_ref=source_ref[:64],
        planned_on=planned_on,
        summary=note.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="inspection.lead",
        obj=inspection,
        after={"kind": kind, "source": source, "source_ref": source_ref, "subject": inspection.subject_name},
    )
    return inspection


@transaction.atomic
def unlicensed_operation_record(
    *,
    actor: User,
    name: str,
    address: str,
    division_code: str,
    township_code: str = "",
    grid_code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    people_seen: str = "",
    description: str = "",
) -> UnlicensedOperation:
    """An unlicensed training operation seen or reported, before any registry row exists for it."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("请填写名称或招牌。")]
    if not address.strip():
        errors["address"] = [_("请填写地址。")]
    if not Division.objects.filter(code=division_code, level="county").exists():
        errors["division_code"] = [_("请选择所在县区。")]
    if errors:
        raise ValidationError(errors)
    op = UnlicensedOperation(
        name=name.strip(),
        address=address.strip(),
        division_code=division_code,
        township_code=township_code,
        grid_code=grid_code,
        latitude=latitude,
        longitude=longitude,
        people_seen=people_seen.strip(),
        description=description.strip(),
        created_by=actor,
    )
    require(actor, "enforcement.record_unlicensed", op)
    op.save()
    audit_record(actor=actor, action="unlicensed.record", obj=op, after={"name": op.name, "address": op.address})
    return op


@transaction.atomic
def unlicensed_operation_link(
    *, actor: User, operation: UnlicensedOperation, institution: Institution
) -> UnlicensedOperation:
    """Link an unlicensed operation to the institution row made for it later (it applied, or was registered)."""
    op = UnlicensedOperation.objects.select_for_update().get(pk=operation.pk)
    require(actor, "enforcement.record_unlicensed", op)
    if institution.division_code != op.division_code:
        raise ValidationError({"institution": [_("机构与无证无照培训不在同一县区。")]}, code="other_county")
    before = {"institution": op.institution_id}
    op.institution = institution
    op.save(update_fields=["institution"])
    audit_record(actor=actor, action="unlicensed.link", obj=op, before=before, after={"institution": institution.pk})
    return op


@transaction.atomic
def inspection_lead_from_roster_case(*, actor: User | None, case: Any) -> Inspection:
    """An in-service teacher found employed by an institution (schools' roster cross-check) puts the institution
    on the county's inspection list. The roster upload that found it is the authority: the school administrator
    who uploaded it needs no enforcement permission for the lead to exist."""
    if actor is None:
        raise ValueError("a roster case is opened by the upload's actor")
    return _lead_write(
        actor=actor,
        fields=Subject.of_institution(case.institution).fields(),
        kind=InspectionKind.ROUTINE,
        source=InspectionSource.ROSTER,
        source_ref=f"inservice-case:{case.pk}",
        planned_on=None,
        note=_("在职教师%(name)s经花名册比对发现在该机构任职，请核查。") % {"name": case.teacher_name},
    )
