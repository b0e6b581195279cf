"""Writes and figures of the after-school service (课后服务, "5+2"): a school's plan for the term, its classes with
their participation and fees (entered one by one or imported from Excel, all rows or none), and coverage.

The rules themselves live in ``schools/rules.py``; white-list membership is asked of ``registry.standing``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from shuangjian.core.audit import audit_record
from shuangjian.core.excel import FileProblem, RowError, first_sheet, open_workbook, sheet_rows, write_xlsx
from shuangjian.core.models import User
from shuangjian.core.permissions import require
from shuangjian.core.rules import raise_if_any
from shuangjian.registry.models import Institution
from shuangjian.registry.standing import whitelist_queryset

from . import rules
from .models import PlanProvider, School, SchoolClass, SchoolKind, ServicePlan
from .services import RosterRowsInvalid, _text

MAX_CLASS_ROWS = 2_000  # the largest schools have a few hundred classes
COMPULSORY_KINDS = (SchoolKind.PRIMARY, SchoolKind.JUNIOR, SchoolKind.NINE_YEAR, SchoolKind.COMPLETE)


def current_term(today: datetime.date | None = None) -> str:
    return rules.term_of(today or timezone.localdate())


def _own_school(actor: User, school: School) -> None:
    link = getattr(actor, "school_admin", None)
    if not actor.is_platform_admin and (link is None or link.school_id != school.pk):
        raise Http404


def provider_choices(school: School, today: datetime.date | None = None) -> QuerySet[Institution]:
    """White-listed institutions of the school's county (registry.standing decides who is on the list)."""
    return whitelist_queryset(today or timezone.localdate()).filter(division_code=school.division_code)


@transaction.atomic
def plan_save(
    *,
    actor: User,
    school: School,
    term: str,
    days_per_week: int,
    minutes_per_day: int,
    activities: str,
    teachers: str,
    providers: Sequence[tuple[Institution, str]] = (),
) -> ServicePlan:
    """Create or replace the school's plan for ``term``. A plan short of 5+2 is kept (and counted as short);
    a provider off the white list is refused."""
    require(actor, "schools.submit_afterschool")
    _own_school(actor, school)
    whitelisted = set(
        provider_choices(school).filter(pk__in=[i.pk for i, _a in providers]).values_list("pk", flat=True)
    )
    found = []
    for inst, _activity in providers:
        found += rules.check_provider(name=inst.name, whitelisted=inst.pk in whitelisted)
    raise_if_any(found)
    plan, created = ServicePlan.objects.select_for_update().get_or_create(
        school=school,
        term=term,
        defaults={
            "days_per_week": days_per_week,
            "minutes_per_day": minutes_per_day,
            "division_code": school.division_code,
        },
    )
    before = None if created else _plan_facts(plan)
    plan.days_per_week = days_per_week
    plan.minutes_per_day = minutes_per_day
    plan.activities = activities.strip()
    plan.teachers = teachers.strip()
    plan.save()
    plan.providers.all().delete()
    PlanProvider.objects.bulk_create(
        [PlanProvider(plan=plan, institution=inst, activity=activity[:64]) for inst, activity in providers]
    )
    after = _plan_facts(plan)
    if before != after:
        audit_record(actor=actor, action="schools.plan_save", obj=plan, before=before, after=after)
    return plan


def _plan_facts(plan: ServicePlan) -> dict[str, Any]:
    return {
        "days": plan.days_per_week,
        "minutes": plan.minutes_per_day,
        "activities": plan.activities,
        "teachers": plan.teachers,
        "providers": sorted(plan.providers.values_list("institution_id", flat=True)),
    }


# --- classes -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassRow:
    grade: int
    name: str
    pupils: int
    asked: int
    served: int
    fee_fen: int


def class_headers() -> tuple[str, ...]:
    return (_("年级"), _("班级"), _("学生人数"), _("申请人数"), _("参加人数"), _("每生每月收费（元）"))


def class_template() -> IO[bytes]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("班级课后服务")
    ws.append(list(class_headers()))
    ws.append([3, _("三年级（1）班"), 45, 40, 40, 60])
    for col in "ABCDEF":
        ws.column_dimensions[col].width = 16
    import io

    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _count(raw: Any, column: str, n: int, errors: list[RowError]) -> int | None:
    text = _text(raw)
    if not text.isdigit() or len(text) > 6:
        errors.append(RowError(n, column, _("应为不小于 0 的整数。")))
        return None
    return int(text)


def _fee(raw: Any, column: str, n: int, errors: list[RowError]) -> int | None:
    text = _text(raw)
    try:
        yuan = Decimal(text)
    except InvalidOperation:
        yuan = Decimal(-1)
    if not yuan.is_finite() or yuan < 0 or yuan > 100_000 or (yuan * 100) != (yuan * 100).to_integral_value():
        errors.append(RowError(n, column, _("应为金额（元，最多两位小数）。")))
        return None
    return int(yuan * 100)


def parse_classes(stream: IO[bytes], size: int | None = None) -> list[ClassRow]:
    """Every class row; raises ``FileProblem`` for the file, or ``RosterRowsInvalid`` listing every bad row."""
    rows = sheet_rows(first_sheet(open_workbook(stream, size)))
    header = next(rows, None) or ()
    keys = ["".join(_text(v).split()).strip("*＊") for v in header]
    heads = class_headers()
    wanted = ["".join(_text(h).split()) for h in heads]  # normalised like the file's (NFKC: full-width brackets)
    missing = [h for h, w in zip(heads, wanted, strict=True) if w not in keys]
    if missing:
        raise FileProblem(
            _("表头缺少：%(cols)s。请使用下载的模板填写。") % {"cols": "、".join(missing)}, code="bad_headers"
        )
    idx = [keys.index(w) for w in wanted]
    errors: list[RowError] = []
    parsed: list[ClassRow] = []
    seen: dict[tuple[int, str], int] = {}
    h_grade, h_name, h_pupils, h_asked, h_served, h_fee = heads
    for n, row in enumerate(rows, start=2):
        cells = list(row or ())
        values = [cells[i] if i < len(cells) else None for i in idx]
        if all(_text(v) == "" for v in values):
            continue
        if n - 1 > MAX_CLASS_ROWS:
            raise FileProblem(_("超过 %(n)d 行，请检查文件。") % {"n": MAX_CLASS_ROWS}, code="too_many")
        before = len(errors)
        grade = _count(values[0], h_grade, n, errors)
        name = _text(values[1])
        if not name or len(name) > 32:
            errors.append(RowError(n, h_name, _("班级名称不能为空，且不超过 32 个字。")))
        pupils = _count(values[2], h_pupils, n, errors)
        asked = _count(values[3], h_asked, n, errors)
        served = _count(values[4], h_served, n, errors)
        fee = _fee(values[5], h_fee, n, errors)
        if len(errors) > before or None in (grade, pupils, asked, served, fee):
            continue
        assert grade is not None and pupils is not None and asked is not None and served is not None
        assert fee is not None
        column_of = {"grade": h_grade, "fee": h_fee, "asked": h_asked, "served": h_served}
        found = rules.check_class(grade=grade, pupils=pupils, asked=asked, served=served)
        for v in found:
            errors.append(RowError(n, column_of.get(v.field, h_name), v.message))
        if (grade, name) in seen:
            errors.append(RowError(n, h_name, _("与第 %(row)d 行重复。") % {"row": seen[(grade, name)]}))
            continue
        seen[(grade, name)] = n
        if not found:
            parsed.append(ClassRow(grade, name, pupils, asked, served, fee))
    if errors:
        raise RosterRowsInvalid(errors)
    if not parsed:
        raise FileProblem(_("文件中没有班级，请填写后再上传。"), code="empty")
    return parsed


@transaction.atomic
def classes_import(*, actor: User, school: School, term: str, file: Any) -> list[SchoolClass]:
    """Replace the school's classes of ``term`` with the file's (all rows or none)."""
    require(actor, "schools.submit_afterschool")
    _own_school(actor, school)
    rows = parse_classes(file, getattr(file, "size", None))
    School.objects.select_for_update().filter(pk=school.pk).first()
    SchoolClass.objects.filter(school=school, term=term).delete()
    created = SchoolClass.objects.bulk_create(
        [
            SchoolClass(
                school=school,
                term=term,
                grade=r.grade,
                name=r.name,
                pupils=r.pupils,
                asked=r.asked,
                served=r.served,
                fee_fen=r.fee_fen,
                division_code=school.division_code,
            )
            for r in rows
        ]
    )
    audit_record(actor=actor, action="schools.classes_import", obj=school, after={"term": term, "rows": len(rows)})
    return created


@transaction.atomic
def class_save(*, actor: User, school: School, term: str, row: ClassRow) -> SchoolClass:
    """Add a class, or update the one of the same grade and name, checked by the same rules as the import."""
    require(actor, "schools.submit_afterschool")
    _own_school(actor, school)
    raise_if_any(rules.check_class(grade=row.grade, pupils=row.pupils, asked=row.asked, served=row.served))
    obj, _created = SchoolClass.objects.update_or_create(
        school=school,
        term=term,
        grade=row.grade,
        name=row.name,
        defaults={
            "pupils": row.pupils,
            "asked": row.asked,
            "served": row.served,
            "fee_fen": row.fee_fen,
            "division_code": school.division_code,
        },
    )
    audit_record(
        actor=actor,
        action="schools.class_save",
        obj=obj,
        after={"grade": row.grade, "name": row.name, "pupils": row.pupils, "served": row.served, "fee": row.fee_fen},
    )
    return obj


# --- coverage ------------------------------------------------------------------------------------------------------


def school_services(schools: QuerySet[School], term: str) -> list[tuple[School, rules.SchoolService]]:
    """The compulsory schools of ``schools`` with what their coverage is counted from, in two queries."""
    chosen = list(schools.filter(kind__in=COMPULSORY_KINDS).order_by("division_code", "name"))
    plans = {p.school_id: p for p in ServicePlan.objects.filter(school__in=chosen, term=term)}
    sums = {
        r["school_id"]: r
        for r in SchoolClass.objects.filter(school__in=chosen, term=term)
        .values("school_id")
        .annotate(asked=Sum("asked"), served=Sum("served"), n=Count("pk"))
    }
    out = []
    for s in chosen:
        plan = plans.get(s.pk)
        agg = sums.get(s.pk, {})
        out.append(
            (
                s,
                rules.SchoolService(
                    school_id=s.pk,
                    has_plan=plan is not None,
                    days_per_week=plan.days_per_week if plan else 0,
                    minutes_per_day=plan.minutes_per_day if plan else 0,
                    asked=int(agg.get("asked") or 0),
                    served=int(agg.get("served") or 0),
                ),
            )
        )
    return out


@dataclass(frozen=True)
class CountyCoverage:
    code: str
    name: str
    coverage: rules.Coverage


def coverage_by_county(
    pairs: Iterable[tuple[School, rules.SchoolService]], names: dict[str, str]
) -> list[CountyCoverage]:
    by_county: dict[str, list[rules.SchoolService]] = {}
    for school, svc in pairs:
        by_county.setdefault(school.division_code, []).append(svc)
    return [
        CountyCoverage(code, names.get(code, code), rules.coverage(svcs)) for code, svcs in sorted(by_county.items())
    ]


def over_cap_classes(schools: QuerySet[School], term: str) -> QuerySet[SchoolClass]:
    """Classes charging above their stage's cap (kept from before a cap was lowered, or entered by an admin)."""
    q = Q(grade__lte=6, fee_fen__gt=rules.fee_cap_fen(rules.PRIMARY)) | Q(
        grade__gte=7, fee_fen__gt=rules.fee_cap_fen(rules.JUNIOR)
    )
    return SchoolClass.objects.filter(school__in=schools, term=term).filter(q).select_related("school")


def coverage_export(
    rows: list[tuple[School, rules.SchoolService]],
    names: dict[str, str],
    on_row: Callable[[int], None] | None = None,
) -> IO[bytes]:
    headers = [
        _("县区"),
        _("学校"),
        _("学校标识码"),
        _("5+2"),
        _("每周天数"),
        _("每天分钟"),
        _("申请人数"),
        _("参加人数"),
    ]
    return write_xlsx(
        headers,
        (
            [
                names.get(s.division_code, s.division_code),
                s.name,
                s.code,
                _("是") if svc.five_plus_two else _("否"),
                svc.days_per_week if svc.has_plan else "",
                svc.minutes_per_day if svc.has_plan else "",
                svc.asked,
                svc.served,
            ]
            for s, svc in rows
        ),
        title=_("课后服务覆盖情况"),
        widths=[14, 28, 16, 8, 10, 10, 10, 10],
        on_row=on_row,
    )
