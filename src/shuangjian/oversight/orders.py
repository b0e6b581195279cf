"""Supervision orders (督办) and the six measures: the transition table, the services and the scoped reads.

An order goes from a city (or province) to one county: issued → replied → accepted, or returned to be answered
again. Past its deadline without being accepted it is marked overdue once, by the daily escalation, and stays on
both levels' dashboards until accepted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.audit import audit_record
from shuangjian.core.docx import add_paragraphs, add_signature, add_title, official_document, to_bytes
from shuangjian.core.models import Division, User
from shuangjian.core.numbering import document_number_next
from shuangjian.core.permissions import can, require
from shuangjian.core.scope import code_in_scope, scope_queryset, user_reach
from shuangjian.core.uploads import check_upload

from .models import MeasureCounty, MeasureKind, OrderKind, OrderStatus, SupervisionMeasure, SupervisionOrder

S = OrderStatus
OPEN = (S.ISSUED, S.RETURNED, S.REPLIED)
REPLY_FILE_TYPES = ("pdf", "docx", "xlsx", "jpeg", "png")
REPLY_FILE_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Transition:
    action: str
    label: str | Promise
    sources: tuple[str, ...]
    target: str
    permission: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition("reply", gettext_lazy("回复办理情况"), (S.ISSUED, S.RETURNED), S.REPLIED, "oversight.reply_order"),
    Transition("accept", gettext_lazy("审核办结"), (S.REPLIED,), S.ACCEPTED, "oversight.decide_order"),
    Transition("return", gettext_lazy("退回重办"), (S.REPLIED,), S.RETURNED, "oversight.decide_order"),
)


def transition(action: str) -> Transition:
    return next(t for t in TRANSITIONS if t.action == action)


def _guard(order: SupervisionOrder, action: str, actor: User) -> Transition:
    t = transition(action)
    require(actor, t.permission, order)
    if order.status not in t.sources:
        raise ValidationError(_("督办单当前状态不能执行此操作"), code="invalid_transition")
    return t


def actions_for(user: User, order: SupervisionOrder) -> list[Transition]:
    """The buttons the user sees on the order page: the same table the services guard with."""
    return [t for t in TRANSITIONS if order.status in t.sources and can(user, t.permission, order)]


def is_overdue(order: SupervisionOrder, today: datetime.date | None = None) -> bool:
    return order.status in OPEN and order.deadline < (today or timezone.localdate())


# --- reads -----------------------------------------------------------------------------------------------------------


def orders_for_user(user: User) -> QuerySet[SupervisionOrder]:
    """Orders addressed to a county in the user's reach (a city sees those to its counties, a county its own)."""
    require(user, "oversight.view_orders")
    return scope_queryset(SupervisionOrder.objects.all(), user)


def order_for_user(user: User, pk: int) -> SupervisionOrder:
    try:
        return orders_for_user(user).select_related("institution", "inspection", "notice").get(pk=pk)
    except SupervisionOrder.DoesNotExist:
        raise Http404 from None


def overdue_orders_for_user(user: User, today: datetime.date | None = None) -> QuerySet[SupervisionOrder]:
    day = today or timezone.localdate()
    return orders_for_user(user).filter(status__in=OPEN, deadline__lt=day).order_by("deadline", "pk")


def measures_for_user(user: User) -> QuerySet[SupervisionMeasure]:
    """Measures naming a county in the user's reach."""
    require(user, "oversight.view_orders")
    reach = user_reach(user)
    if reach is None:
        return SupervisionMeasure.objects.none()
    ids = MeasureCounty.objects.filter(division_code__startswith=reach).values("measure_id")
    return SupervisionMeasure.objects.filter(pk__in=ids).prefetch_related("counties")


def measure_for_user(user: User, pk: int) -> SupervisionMeasure:
    try:
        return measures_for_user(user).get(pk=pk)
    except SupervisionMeasure.DoesNotExist:
        raise Http404 from None


def counties_in_reach(user: User) -> list[tuple[str, str]]:
    reach = user_reach(user)
    if reach is None:
        return []
    qs = Division.objects.filter(level="county", code__startswith=reach).order_by("code")
    return list(qs.values_list("code", "name"))


# --- writes ----------------------------------------------------------------------------------------------------------


def _issuer_code(actor: User) -> str:
    return actor.scope_code or "41"


def _number(prefix: str, issuer: str, kind: str, year: int) -> tuple[int, str]:
    seq = document_number_next(issuer=issuer, kind=kind, year=year)
    return seq, f"{prefix}〔{year}〕{seq}号"


@transaction.atomic
def order_issue(
    *,
    actor: User,
    kind: str,
    division_code: str,
    title: str,
    requirements: str,
    deadline: datetime.date,
    institution: Any = None,
    inspection: Any = None,
    notice: Any = None,
    today: datetime.date | None = None,
) -> SupervisionOrder:
    """A higher level orders a county in its reach to act by ``deadline``, on named institutions or cases."""
    day = today or timezone.localdate()
    require(actor, "oversight.issue_order")
    if kind not in OrderKind.values:
        raise ValidationError(_("请选择督办方式"), code="invalid_kind")
    in_reach = code_in_scope(actor, division_code)
    if not in_reach or not Division.objects.filter(code=division_code, level="county").exists():
        raise ValidationError(_("被督办单位须为辖区内的县区"), code="invalid_county")
    if deadline <= day:
        raise ValidationError(_("办理期限须晚于下达日期"), code="invalid_deadline")
    for ref in (institution, inspection, notice):
        if ref is not None and ref.division_code != division_code:
            raise ValidationError(_("督办涉及的机构或案件须属于被督办县区"), code="invalid_reference")
    if kind == OrderKind.LISTED and institution is None and inspection is None and notice is None:
        raise ValidationError(_("挂牌督办须指明涉及的机构、检查或整改通知"), code="missing_reference")
    issuer = _issuer_code(actor)
    seq, number = _number(_("督办"), issuer, "oversight_order", day.year)
    order = SupervisionOrder.objects.create(
        number=number,
        year=day.year,
        seq=seq,
        kind=kind,
        issuer_code=issuer,
        division_code=division_code,
        title=title.strip(),
        requirements=requirements.strip(),
        deadline=deadline,
        institution=institution,
        inspection=inspection,
        notice=notice,
        issued_by=actor,
        issued_on=day,
    )
    audit_record(actor=actor, action="order.issue", obj=order, after={"number": number, "deadline": deadline})
    return order


@transaction.atomic
def order_reply(*, actor: User, order: SupervisionOrder, text: str, file: Any = None) -> SupervisionOrder:
    """The county answers with what it did and, optionally, one evidence file."""
    locked = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    _guard(locked, "reply", actor)
    if not text.strip():
        raise ValidationError(_("请填写办理情况"), code="missing_reply")
    if file is not None:
        check_upload(file, allowed=REPLY_FILE_TYPES, max_bytes=REPLY_FILE_MAX_BYTES)
        locked.reply_file = file
    before = locked.status
    locked.reply_text = text.strip()
    locked.replied_at = timezone.now()
    locked.replied_by = actor
    locked.status = S.REPLIED
    locked.save()
    audit_record(actor=actor, action="order.reply", obj=locked, before={"status": before}, after={"status": S.REPLIED})
    return locked


@transaction.atomic
def order_decide(*, actor: User, order: SupervisionOrder, action: str, note: str = "") -> SupervisionOrder:
    """The issuing level accepts the reply (the order is closed) or returns it to be done again."""
    if action not in ("accept", "return"):
        raise ValidationError(_("未知的操作"), code="invalid_transition")
    locked = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    t = _guard(locked, action, actor)
    if action == "return" and not note.strip():
        raise ValidationError(_("退回须说明理由"), code="missing_note")
    before = locked.status
    locked.status = t.target
    locked.decision_note = note.strip()
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decision_note", "decided_at"])
    audit_record(
        actor=actor, action=f"order.{action}", obj=locked, before={"status": before}, after={"status": t.target}
    )
    return locked


def orders_escalate(*, today: datetime.date | None = None) -> int:
    """Daily: mark every open order past its deadline as overdue (once) so both levels' dashboards list it."""
    day = today or timezone.localdate()
    n = 0
    ids = list(
        SupervisionOrder.objects.filter(status__in=OPEN, deadline__lt=day, overdue_since__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            locked = SupervisionOrder.objects.select_for_update().get(pk=pk)
            if locked.overdue_since is not None or locked.status not in OPEN:
                continue
            locked.overdue_since = day
            locked.escalations += 1
            locked.save(update_fields=["overdue_since", "escalations"])
            audit_record(actor=None, action="order.escalate", obj=locked, after={"overdue_since": day})
            n += 1
    return n


@transaction.atomic
def measure_record(
    *,
    actor: User,
    kind: str,
    counties: list[str],
    title: str,
    body: str,
    happened_on: datetime.date,
    department: str = "",
    participants: str = "",
    minutes: str = "",
    exposure_ref: str = "",
    responsible: str = "",
    order: SupervisionOrder | None = None,
) -> SupervisionMeasure:
    """通报 / 曝光 / 约谈 / 问责 recorded against the counties (and department) concerned, numbered per issuer."""
    require(actor, "oversight.record_measure")
    if kind not in MeasureKind.values:
        raise ValidationError(_("请选择督导措施"), code="invalid_kind")
    chosen = sorted(set(counties))
    if not chosen:
        raise ValidationError(_("请选择涉及的县区"), code="missing_county")
    known = set(Division.objects.filter(code__in=chosen, level="county").values_list("code", flat=True))
    if known != set(chosen) or not all(code_in_scope(actor, c) for c in chosen):
        raise ValidationError(_("涉及的县区须在本辖区内"), code="invalid_county")
    if kind == MeasureKind.INTERVIEW and not (participants.strip() and minutes.strip()):
        raise ValidationError(_("约谈须记录参加人员和约谈记录"), code="missing_minutes")
    if kind == MeasureKind.EXPOSURE and not exposure_ref.strip():
        raise ValidationError(_("曝光须填写曝光台链接"), code="missing_exposure")
    if kind == MeasureKind.ACCOUNTABILITY and not responsible.strip():
        raise ValidationError(_("问责须填写被问责人"), code="missing_responsible")
    issuer = _issuer_code(actor)
    seq, number = _number(str(MeasureKind(kind).label), issuer, f"oversight_{kind}", happened_on.year)
    m = SupervisionMeasure.objects.create(
        number=number,
        year=happened_on.year,
        seq=seq,
        kind=kind,
        issuer_code=issuer,
        department=department.strip(),
        title=title.strip(),
        body=body.strip(),
        happened_on=happened_on,
        participants=participants.strip(),
        minutes=minutes.strip(),
        exposure_ref=exposure_ref.strip(),
        responsible=responsible.strip(),
        order=order,
        created_by=actor,
    )
    MeasureCounty.objects.bulk_create([MeasureCounty(measure=m, division_code=c) for c in chosen])
    audit_record(
        actor=actor, action="measure.record", obj=m, division_code=issuer, after={"number": number, "counties": chosen}
    )
    return m


# --- documents -------------------------------------------------------------------------------------------------------


def _county_names(codes: list[str]) -> str:
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return "、".join(names.get(c, c) for c in codes)


def order_docx(order: SupervisionOrder) -> bytes:
    doc = official_document()
    add_title(doc, str(OrderKind(order.kind).label) + _("通知书"), number=order.number)
    add_paragraphs(
        doc,
        [_("%(county)s：") % {"county": _county_names([order.division_code])}, order.title, order.requirements],
        indent=True,
    )
    add_paragraphs(doc, [_("请于%(d)s前将办理情况报送督办单位。") % {"d": order.deadline.isoformat()}])
    add_signature(doc, _county_names([order.issuer_code]) or order.issuer_code, order.issued_on.isoformat())
    return to_bytes(doc)


def measure_docx(m: SupervisionMeasure) -> bytes:
    doc = official_document()
    add_title(doc, m.title, number=m.number)
    codes = [c.division_code for c in m.counties.all()]
    texts = [_("涉及县区：") + _county_names(codes), m.body]
    if m.department:
        texts.insert(1, _("涉及部门：") + m.department)
    if m.participants:
        texts.append(_("参加人员：") + m.participants)
    if m.minutes:
        texts.append(_("约谈记录：") + m.minutes)
    if m.exposure_ref:
        texts.append(_("曝光台：") + m.exposure_ref)
    if m.responsible:
        texts.append(_("被问责人：") + m.responsible)
    add_paragraphs(doc, texts)
    add_signature(doc, _county_names([m.issuer_code]) or m.issuer_code, m.happened_on.isoformat())
    return to_bytes(doc)


def measure_q_for_county(code: str) -> Q:
    return Q(counties__division_code=code)
