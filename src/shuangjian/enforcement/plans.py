"""Plans and the verifiable random draw (双随机一公开): every write is atomic, guarded by the workflow table
(``plan_workflow``) and audited. The draw itself is the pure ``draw.draw``; this module freezes its inputs,
keeps the seed secret until publication and turns the result into planned inspections."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import Department, Division, Role, User
from shuangjian.core.permissions import require
from shuangjian.registry.conditions import active_q
from shuangjian.registry.models import Category, Institution
from shuangjian.registry.permissions import licensing_department

from . import draw as algo
from .models import (
    Draw,
    DrawItem,
    DrawStatus,
    Inspection,
    InspectionKind,
    InspectionPlan,
    InspectionSource,
    InspectionStatus,
    InspectorCertificate,
    InspectorConflict,
)
from .plan_workflow import DRAFT, transition_check
from .subjects import Subject

CONFLICT_LAST_TIME = "last_time"  # the inspector inspected the institution the last time it was inspected
CONFLICT_DECLARED = "declared"  # a declared relation (InspectorConflict)


@dataclass(frozen=True)
class PlanData:
    name: str
    year: int
    division_code: str
    department: str = Department.EDUCATION
    rounds: int = 2
    sample_size: int = 10
    floor_bp: int = 0
    category_weights: Mapping[str, int] | None = None
    institution_weights: Mapping[str, int] | None = None


def _weights_problem(weights: Mapping[str, Any], keys: set[str] | None) -> str:
    for key, value in weights.items():
        if keys is not None and key not in keys:
            return _("未知的类别：%(key)s") % {"key": key}
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
            return _("权重须为 1 到 100 的整数。")
    return ""


@transaction.atomic
def plan_create(*, actor: User, data: PlanData) -> InspectionPlan:
    """A yearly plan of a county department: rounds, sample size, optional weights and a floor probability."""
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("请填写计划名称。")]
    if not 2000 <= data.year <= 2100:
        errors["year"] = [_("请填写正确的年度。")]
    if not Division.objects.filter(code=data.division_code, level="county").exists():
        errors["division_code"] = [_("请选择县区。")]
    if data.department not in Department.values:
        errors["department"] = [_("未知的部门。")]
    if not 1 <= data.rounds <= 12:
        errors["rounds"] = [_("抽查轮次须在 1 到 12 之间。")]
    if not 1 <= data.sample_size <= 100_000:
        errors["sample_size"] = [_("每轮抽取机构数须为正整数。")]
    if not 0 <= data.floor_bp <= 10_000:
        errors["floor_bp"] = [_("保底概率须在 0 到 10000（万分之）之间。")]
    problem = _weights_problem(data.category_weights or {}, set(Category.values))
    if problem:
        errors["category_weights"] = [problem]
    problem = _weights_problem(data.institution_weights or {}, None)
    if problem:
        errors["institution_weights"] = [problem]
    if errors:
        raise ValidationError(errors)
    plan = InspectionPlan(
        name=data.name.strip(),
        year=data.year,
        division_code=data.division_code,
        department=data.department,
        rounds=data.rounds,
        sample_size=data.sample_size,
        floor_bp=data.floor_bp,
        category_weights=dict(data.category_weights or {}),
        institution_weights={str(k): v for k, v in (data.institution_weights or {}).items()},
        inspectors_per_institution=settings.ENFORCEMENT_DRAW_INSPECTORS,
        target_per_institution=settings.ENFORCEMENT_INSPECTIONS_PER_YEAR,
        created_by=actor,
    )
    require(actor, "enforcement.manage_plans", plan)
    if InspectionPlan.objects.filter(
        year=plan.year, division_code=plan.division_code, department=plan.department, name=plan.name
    ).exists():
        raise ValidationError({"name": [_("同一年度已有同名计划。")]}, code="duplicate")
    plan.save()
    audit_record(
        actor=actor,
        action="plan.create",
        obj=plan,
        after={"name": plan.name, "year": plan.year, "rounds": plan.rounds, "sample_size": plan.sample_size},
    )
    return plan


def round_window(plan: InspectionPlan, round_no: int) -> tuple[datetime.date, datetime.date]:
    """The days of round ``round_no`` (1-based): the year cut into ``rounds`` runs of whole months."""
    first_month = 1 + (round_no - 1) * 12 // plan.rounds
    next_month = 1 + round_no * 12 // plan.rounds
    start = datetime.date(plan.year, first_month, 1)
    end = (
        datetime.date(plan.year, 12, 31)
        if next_month > 12
        else datetime.date(plan.year, next_month, 1) - datetime.timedelta(days=1)
    )
    return start, end


def eligible_institutions(plan: InspectionPlan) -> list[Institution]:
    """Active institutions (the registry's notion) of the plan's county that its department licenses."""
    rows = Institution.objects.filter(active_q(), division_code=plan.division_code).order_by("pk")
    return [inst for inst in rows if licensing_department(inst) == plan.department]


def eligible_inspectors(plan: InspectionPlan) -> list[User]:
    """Active inspectors of the plan's department whose reach covers its county."""
    rows = User.objects.filter(role=Role.INSPECTOR, is_active=True, department=plan.department).exclude(scope_code="")
    return [u for u in rows.order_by("pk") if plan.division_code.startswith(u.scope_code)]


def _conflicts(institution_ids: list[int], inspector_ids: list[int]) -> list[dict[str, Any]]:
    found: dict[tuple[int, int], str] = {}
    for inspector_id, institution_id in InspectorConflict.objects.filter(
        institution_id__in=institution_ids, inspector_id__in=inspector_ids
    ).values_list("inspector_id", "institution_id"):
        found[(inspector_id, institution_id)] = CONFLICT_DECLARED
    # The last completed inspection of each institution, and who did it.
    through = Inspection.inspectors.through
    latest: dict[int, tuple[datetime.datetime, int]] = {}
    for row in (
        Inspection.objects.filter(
            institution_id__in=institution_ids, status=InspectionStatus.DONE, completed_at__isnull=False
        )
        .values_list("institution_id", "completed_at", "pk")
        .iterator()
    ):
        inst, at, pk = row
        if at is None:
            continue
        if inst not in latest or (at, pk) > latest[inst]:
            latest[inst] = (at, pk)
    last_ids = {pk: inst for inst, (_at, pk) in latest.items()}
    for inspection_id, user_id in through.objects.filter(
        inspection_id__in=list(last_ids), user_id__in=inspector_ids
    ).values_list("inspection_id", "user_id"):
        found.setdefault((user_id, last_ids[inspection_id]), CONFLICT_LAST_TIME)
    return [
        {"inspector": p, "institution": i, "kind": kind} for (p, i), kind in sorted(found.items(), key=lambda x: x[0])
    ]


def build_lists(plan: InspectionPlan, round_no: int) -> dict[str, Any]:
    """The lists a round's draw uses, as published: institutions with their weights, inspectors with their
    names and certificate numbers (public under 双随机一公开; never phone numbers), and conflicts (who with whom
    and of which kind, never the declared reason)."""
    institutions = eligible_institutions(plan)
    inspectors = eligible_inspectors(plan)
    if not institutions:
        raise ValidationError(_("本县区没有可抽取的正常办学机构。"), code="no_institutions")
    per = plan.inspectors_per_institution
    if len(inspectors) < per:
        raise ValidationError(
            _("执法人员名单不足：每家机构需要 %(n)d 名，名单中只有 %(m)d 名。") % {"n": per, "m": len(inspectors)},
            code="too_few_inspectors",
        )
    base = {
        inst.pk: int(plan.institution_weights.get(str(inst.pk), plan.category_weights.get(inst.category, 1)))
        for inst in institutions
    }
    try:
        weights = algo.effective_weights(base, floor=algo.as_fraction(plan.floor_bp), picks=plan.sample_size)
    except ValueError:
        raise ValidationError(
            _("保底概率过高：每轮抽取 %(k)d 家、名单 %(n)d 家，保底概率不能超过 %(k)d/%(n)d。")
            % {"k": plan.sample_size, "n": len(institutions)},
            code="floor_too_high",
        ) from None
    certs = dict(InspectorCertificate.objects.filter(user__in=inspectors).values_list("user_id", "number"))
    conflicts = _conflicts([i.pk for i in institutions], [u.pk for u in inspectors])
    blocked: dict[int, int] = {}
    for c in conflicts:
        blocked[c["institution"]] = blocked.get(c["institution"], 0) + 1
    for inst in institutions:
        if len(inspectors) - blocked.get(inst.pk, 0) < per:
            raise ValidationError(
                _("“%(name)s”可派的执法人员不足 %(n)d 名（回避后）。") % {"name": inst.name, "n": per},
                code="too_few_inspectors",
            )
    start, end = round_window(plan, round_no)
    return {
        "algorithm": algo.ALGORITHM,
        "plan": {
            "id": plan.pk,
            "name": plan.name,
            "year": plan.year,
            "division_code": plan.division_code,
            "department": plan.department,
            "round": round_no,
            "round_start": start.isoformat(),
            "round_end": end.isoformat(),
        },
        "sample_size": plan.sample_size,
        "inspectors_per_institution": per,
        "floor_bp": plan.floor_bp,
        "institutions": [
            {
                "id": inst.pk,
                "name": inst.name,
                "uscc": inst.uscc,
                "category": inst.category,
                "base_weight": base[inst.pk],
                "weight": weights[inst.pk],
            }
            for inst in institutions
        ],
        "inspectors": [
            {"id": u.pk, "name": u.display_name or u.username, "cert_no": certs.get(u.pk, "")} for u in inspectors
        ],
        "conflicts": conflicts,
    }


def _live_draw(plan: InspectionPlan, round_no: int) -> Draw | None:
    return (
        Draw.objects.select_for_update()
        .filter(plan=plan, round_no=round_no)
        .exclude(status=DrawStatus.DISCARDED)
        .first()
    )


def _commit(*, actor: User, plan: InspectionPlan, round_no: int, replaces: Draw | None, seed: str | None) -> Draw:
    lists = build_lists(plan, round_no)
    # A given seed is for the repeatable demo and tests only; no page or API passes one.
    seed = seed or algo.new_seed()
    d = Draw.objects.create(
        plan=plan,
        round_no=round_no,
        division_code=plan.division_code,
        status=DrawStatus.COMMITTED,
        seed=seed,
        seed_sha256=algo.seed_hash(seed),
        lists=lists,
        lists_sha256=algo.lists_hash(lists),
        replaces=replaces,
        committed_by=actor,
    )
    audit_record(
        actor=actor,
        action="draw.commit",
        obj=d,
        after={
            "plan": plan.pk,
            "round": round_no,
            "seed_sha256": d.seed_sha256,
            "lists_sha256": d.lists_sha256,
            "replaces": replaces.pk if replaces else None,
        },
    )
    return d


@transaction.atomic
def draw_commit(*, actor: User, plan: InspectionPlan, round_no: int, seed: str | None = None) -> Draw:
    """Freeze the round's lists, make a secret seed and publish its SHA-256 (before anything is drawn)."""
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    require(actor, "enforcement.manage_plans", plan)
    if not 1 <= round_no <= plan.rounds:
        raise ValidationError({"round_no": [_("计划没有这一轮次。")]}, code="invalid_round")
    live = _live_draw(plan, round_no)
    transition_check("commit", live.status if live else DRAFT)
    return _commit(actor=actor, plan=plan, round_no=round_no, replaces=None, seed=seed)


def _lock(draw_row: Draw) -> Draw:
    return Draw.objects.select_for_update().select_related("plan").get(pk=draw_row.pk)


@transaction.atomic
def draw_perform(*, actor: User, draw: Draw) -> Draw:
    """Compute the result from the frozen lists and the seed; plan one random inspection per drawn institution."""
    d = _lock(draw)
    require(actor, "enforcement.manage_plans", d.plan)
    transition_check("draw", d.status)
    try:
        result = algo.draw(d.lists, d.seed)
    except algo.DrawImpossible as exc:
        raise ValidationError(_("无法抽取：%(why)s") % {"why": exc}, code="draw_impossible") from None
    start = datetime.date.fromisoformat(d.lists["plan"]["round_start"])
    end = datetime.date.fromisoformat(d.lists["plan"]["round_end"])
    days = algo.planned_days(start.toordinal(), end.toordinal(), len(result))
    institutions = Institution.objects.in_bulk([r.institution for r in result])
    for position, (drawn, day) in enumerate(zip(result, days, strict=True), start=1):
        inst = institutions[drawn.institution]
        inspection = Inspection.objects.create(
            **Subject.of_institution(inst).fields(),
            kind=InspectionKind.RANDOM,
            status=InspectionStatus.PLANNED,
            source=InspectionSource.PLAN,
            source_ref=f"draw:{d.pk}",
            planned_on=datetime.date.fromordinal(day),
            lead_inspector_id=drawn.inspectors[0],
            created_by=actor,
        )
        inspection.inspectors.set(drawn.inspectors)
        DrawItem.objects.create(draw=d, position=position, institution=inst, inspection=inspection)
    d.result = algo.result_json(result)
    d.status = DrawStatus.DRAWN
    d.drawn_at = timezone.now()
    d.save(update_fields=["result", "status", "drawn_at"])
    audit_record(actor=actor, action="draw.perform", obj=d, after={"drawn": len(result)})
    return d


@transaction.atomic
def draw_publish(*, actor: User, draw: Draw) -> Draw:
    """Publish the result and reveal the seed: from now on anyone can replay the draw."""
    d = _lock(draw)
    require(actor, "enforcement.manage_plans", d.plan)
    transition_check("publish", d.status)
    d.status = DrawStatus.PUBLISHED
    d.published_at = timezone.now()
    d.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action="draw.publish", obj=d, after={"seed": d.seed})
    return d


@transaction.atomic
def draw_redraw(*, actor: User, draw: Draw, reason: str, seed: str | None = None) -> Draw:
    """Discard a draw (kept with its reason and its seed revealed; its inspections not yet begun are cancelled)
    and commit a new one for the same round. Without a reason nothing happens."""
    d = _lock(draw)
    require(actor, "enforcement.manage_plans", d.plan)
    transition_check("redraw", d.status, reason=reason)
    cancelled = Inspection.objects.filter(draw_item__draw=d, status=InspectionStatus.PLANNED).update(
        status=InspectionStatus.CANCELLED
    )
    d.status = DrawStatus.DISCARDED
    d.discard_reason = reason.strip()
    d.discarded_at = timezone.now()
    d.save(update_fields=["status", "discard_reason", "discarded_at"])
    audit_record(actor=actor, action="draw.discard", obj=d, after={"reason": d.discard_reason, "cancelled": cancelled})
    return _commit(actor=actor, plan=d.plan, round_no=d.round_no, replaces=d, seed=seed)


@transaction.atomic
def conflict_declare(*, actor: User, inspector: User, institution: Institution, reason: str) -> InspectorConflict:
    """A declared relation between an inspector and an institution (回避): never drawn together."""
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写回避理由。")]}, code="reason_required")
    if inspector.role != Role.INSPECTOR:
        raise ValidationError({"inspector": [_("请选择执法人员。")]}, code="not_inspector")
    row = InspectorConflict(
        inspector=inspector,
        institution=institution,
        division_code=institution.division_code,
        reason=reason.strip()[:255],
        declared_by=actor,
    )
    require(actor, "enforcement.declare_conflict", row)
    if InspectorConflict.objects.filter(inspector=inspector, institution=institution).exists():
        raise ValidationError(_("该回避关系已登记。"), code="duplicate")
    row.save()
    audit_record(actor=actor, action="conflict.declare", obj=row, after={"inspector": inspector.pk})
    return row


def public_document(d: Draw) -> dict[str, Any]:
    """What the public page shows and the JSON a citizen downloads to replay the draw offline."""
    doc: dict[str, Any] = {
        "draw": d.pk,
        "status": d.status,
        "algorithm": algo.ALGORITHM,
        "seed_sha256": d.seed_sha256,
        "lists_sha256": d.lists_sha256,
        "lists": d.lists,
        "committed_at": d.committed_at.isoformat() if d.committed_at else None,
    }
    if d.seed_revealed:
        doc.update(
            {
                "seed": d.seed,
                "result": d.result,
                "drawn_at": d.drawn_at.isoformat() if d.drawn_at else None,
                "published_at": d.published_at.isoformat() if d.published_at else None,
            }
        )
    if d.status == DrawStatus.DISCARDED:
        doc["discard_reason"] = d.discard_reason
    return doc
