"""Bulletins: the registered queries behind their figures, their selectors and their services.

A figure is a registered query (``register_figure``) run with the bulletin's parameters (issuing division and
period); the bulletin stores the query's name, parameters and result, so regenerating it from its stored
queries reproduces its figures, and the document is always printed from the stored results (text, tables and
the charts of ``bulletin_charts``). Typical cases are the exposure board's published penalty cases of the period.
More figures (public reports) are added by registering more queries.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import Division, DivisionLevel, User
from shuangjian.core.numbering import document_number_next
from shuangjian.core.permissions import can
from shuangjian.core.scope import code_in_scope, code_prefix_q, get_in_scope_or_404, scope_queryset
from shuangjian.enforcement.models import AdFinding, Inspection, InspectionStatus, RectificationNotice
from shuangjian.enforcement.selectors import publication_of, published_cases
from shuangjian.registry.lists import whitelist_queryset
from shuangjian.registry.models import BlacklistEntry, Institution, InstitutionStatus
from shuangjian.schools.afterschool import current_term
from shuangjian.schools.models import SchoolClass

from .bulletin_charts import Chart, bulletin_charts
from .models import Bulletin, BulletinSeries, BulletinStatus

Params = dict[str, str]
Result = Any  # JSON: a number, a mapping of numbers, or a list of rows


# --- registered queries ----------------------------------------------------------------------------------------


class Section:
    OVERVIEW = "overview"
    COUNTIES = "counties"
    CASES = "cases"


@dataclass(frozen=True)
class Figure:
    name: str
    section: str
    run: Callable[[Params], Result]
    # Further parameters the query takes beyond the period (a list's length, a trend's months), read from settings
    # when a bulletin is drafted and stored with it, so that a later change of setting leaves old bulletins alone.
    extra: Callable[[], Params] | None = None


_FIGURES: dict[str, Figure] = {}


def register_figure(
    name: str, *, section: str, extra: Callable[[], Params] | None = None
) -> Callable[[Callable[[Params], Result]], Callable[[Params], Result]]:
    """Register a query computing one figure from ``{"division", "start", "end"}`` (ISO dates) and its
    ``extra`` parameters."""

    def decorator(func: Callable[[Params], Result]) -> Callable[[Params], Result]:
        _FIGURES[name] = Figure(name, section, func, extra)
        return func

    return decorator


def registered_figures() -> list[Figure]:
    return list(_FIGURES.values())


def figure_run(name: str, params: Params) -> Result:
    figure = _FIGURES.get(name)
    if figure is None:
        raise ValidationError(_("未知的统计项：%(name)s") % {"name": name}, code="unknown_figure")
    return figure.run(params)


def _period(params: Params) -> tuple[str, datetime.date, datetime.date]:
    return (
        params["division"],
        datetime.date.fromisoformat(params["start"]),
        datetime.date.fromisoformat(params["end"]),
    )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _on_record(division: str, end: datetime.date) -> QuerySet[Institution]:
    """Institutions on record by the period's end: registered on the platform, or licensed, by then (records
    loaded from the paper ledger carry their licence date)."""
    return Institution.objects.filter(code_prefix_q("division_code", division)).filter(
        Q(created_at__date__lte=end) | Q(licence_issued_on__lte=end)
    )


@register_figure("institutions_by_status", section=Section.OVERVIEW)
def institutions_by_status(params: Params) -> Result:
    """Institutions on record at the period's end, by their status (as it stands now: the registry keeps no
    status history yet)."""
    division, _start, end = _period(params)
    rows = _on_record(division, end).order_by().values_list("status").annotate(n=Count("pk"))
    return {status: n for status, n in sorted(rows)}


@register_figure("list_counts", section=Section.OVERVIEW)
def list_counts(params: Params) -> Result:
    """White-list institutions and black-list entries in force at the period's end."""
    division, _start, end = _period(params)
    white = whitelist_queryset(end).filter(code_prefix_q("division_code", division)).count()
    black = (
        BlacklistEntry.objects.filter(code_prefix_q("division_code", division), start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gt=end))
        .count()
    )
    return {"white": white, "black": black}


@register_figure("inspections_done", section=Section.OVERVIEW)
def inspections_done(params: Params) -> Result:
    division, start, end = _period(params)
    # Counted by when the inspection took place (an offline draft may be submitted days later).
    return Inspection.objects.filter(
        division_code__startswith=division,
        status=InspectionStatus.DONE,
        inspected_at__date__gte=start,
        inspected_at__date__lte=end,
    ).count()


@register_figure("notices", section=Section.OVERVIEW)
def notices(params: Params) -> Result:
    """Rectification notices issued in the period, and those closed in it."""
    division, start, end = _period(params)
    qs = RectificationNotice.objects.filter(code_prefix_q("division_code", division))
    return {
        "issued": qs.filter(issued_on__gte=start, issued_on__lte=end).count(),
        "closed": qs.filter(closed_at__date__gte=start, closed_at__date__lte=end).count(),
    }


@register_figure("ads", section=Section.OVERVIEW)
def ads(params: Params) -> Result:
    division, start, end = _period(params)
    qs = AdFinding.objects.filter(code_prefix_q("division_code", division))
    return {
        "found": qs.filter(found_on__gte=start, found_on__lte=end).count(),
        "removed": qs.filter(removed=True, removed_on__gte=start, removed_on__lte=end).count(),
    }


@register_figure("afterschool", section=Section.OVERVIEW)
def afterschool(params: Params) -> Result:
    """After-school service of the term the period ends in: pupils who asked and who take part."""
    division, _start, end = _period(params)
    term = current_term(end)
    sums = SchoolClass.objects.filter(code_prefix_q("division_code", division), term=term).aggregate(
        asked=Sum("asked"), served=Sum("served")
    )
    asked, served = int(sums["asked"] or 0), int(sums["served"] or 0)
    return {"term": term, "asked": asked, "served": served, "percent": _percent(served, asked)}


@register_figure("counties", section=Section.COUNTIES)
def counties(params: Params) -> Result:
    """One row per county under the issuing division (the county itself when a county issues)."""
    division, _start, end = _period(params)
    divisions = Division.objects.filter(code__startswith=division, level=DivisionLevel.COUNTY).order_by("code")
    rows = []
    for code, name in divisions.values_list("code", "name"):
        county = {"division": code, "start": params["start"], "end": params["end"]}
        rows.append(
            {
                "code": code,
                "name": name,
                "institutions": _on_record(code, end).count(),
                "inspections": inspections_done(county),
                "notices_issued": notices(county)["issued"],
                "notices_closed": notices(county)["closed"],
                "ads_removed": ads(county)["removed"],
            }
        )
    return rows


def _months_back(end: datetime.date, months: int) -> list[tuple[datetime.date, datetime.date]]:
    """The ``months`` calendar months up to the one ``end`` falls in, oldest first; the last one ends at ``end``."""
    spans = []
    first = end.replace(day=1)
    for _i in range(months):
        last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        spans.append((first, min(last, end)))
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return spans[::-1]


@register_figure(
    "monthly_trend", section=Section.OVERVIEW, extra=lambda: {"months": str(int(settings.BULLETIN_TREND_MONTHS))}
)
def monthly_trend(params: Params) -> Result:
    """Month by month up to the period's end: inspections done, rectification notices issued and closed,
    advertising found ([{"month": "2026-07", ...}], oldest first; the last month counted up to the period's end)."""
    division, _start, end = _period(params)
    rows = []
    for first, last in _months_back(end, int(params["months"])):
        month = {"division": division, "start": first.isoformat(), "end": last.isoformat()}
        issued_closed = notices(month)
        rows.append(
            {
                "month": first.strftime("%Y-%m"),
                "inspections": inspections_done(month),
                "notices_issued": issued_closed["issued"],
                "notices_closed": issued_closed["closed"],
                "ads_found": ads(month)["found"],
            }
        )
    return rows


# A resident ID number (GB 11643: 17 digits and a check character) wherever free text might carry one, even
# run together with other digits: any run of 17 digits or more, and the check character after it.
_ID_NUMBER = re.compile(r"[0-9]{17,}[Xx]?")


def _no_id_number(text: str) -> str:
    """The text with any ID number blanked out: a bulletin never prints one, whatever a case's text holds."""
    return _ID_NUMBER.sub("******************", text)


@register_figure(
    "typical_cases", section=Section.CASES, extra=lambda: {"limit": str(int(settings.BULLETIN_TYPICAL_CASES))}
)
def typical_cases(params: Params) -> Result:
    """Penalty cases the exposure board (违规曝光台) published in the period in the division, newest first, at
    most ``limit`` of them, each as the board shows it (a person only by masked name, never an ID number):
    [{"name", "violation", "summary", "measures", "basis", "decision_no", "decided_on", "published_on"}]."""
    division, start, end = _period(params)
    qs = published_cases(division=division).filter(published_on__gte=start, published_on__lte=end)
    rows = []
    # A bulletin drafted before the limit was stored with the query falls back on today's setting.
    limit = int(params.get("limit") or settings.BULLETIN_TYPICAL_CASES)
    for case in qs[:limit]:
        pub = publication_of(case)
        rows.append(
            {
                "name": _no_id_number(pub["name"]),
                "division_code": pub["division_code"],
                "violation": pub["violation"],
                "summary": _no_id_number(pub["summary"]),
                "measures": pub["measures"],
                "basis": _no_id_number(pub["basis"]),
                "decision_no": pub["decision_no"],
                "decided_on": pub["decided_on"].isoformat() if pub["decided_on"] else "",
                "published_on": pub["published_on"].isoformat(),
            }
        )
    return rows


# --- text drafted from the figures ---------------------------------------------------------------------------


def _status_label(code: str) -> str:
    try:
        return str(InstitutionStatus(code).label)
    except ValueError:
        return code


def figures_of(bulletin_figures: list[dict[str, Any]]) -> dict[str, Result]:
    return {f["name"]: f["result"] for f in bulletin_figures}


def overview_lines(figs: dict[str, Result]) -> list[str]:
    """The overall figures as sentences, in the order the bulletin prints them."""
    lines: list[str] = []
    by_status = figs.get("institutions_by_status") or {}
    if by_status:
        total = sum(by_status.values())
        parts = "，".join(f"{_status_label(k)}{v}家" for k, v in by_status.items())
        lines.append(_("在册校外培训机构%(total)d家（%(parts)s）。") % {"total": total, "parts": parts})
    lists = figs.get("list_counts")
    if lists:
        lines.append(_("白名单机构%(white)d家，黑名单在列%(black)d条。") % lists)
    if "inspections_done" in figs:
        lines.append(_("本期完成检查%(n)d次。") % {"n": figs["inspections_done"]})
    if figs.get("notices"):
        lines.append(_("下达整改通知书%(issued)d份，整改办结%(closed)d份。") % figs["notices"])
    if figs.get("ads"):
        lines.append(_("发现违规广告标识%(found)d处，清理%(removed)d处。") % figs["ads"])
    school = figs.get("afterschool")
    if school and school.get("asked"):
        lines.append(
            _("课后服务申请%(asked)d人，参加%(served)d人，覆盖率%(percent)s%%。")
            % {**school, "percent": school["percent"]}
        )
    return lines


def county_headers() -> list[str]:
    return [_("县区"), _("在册机构"), _("完成检查"), _("下达整改"), _("整改办结"), _("清理广告")]


def county_rows(figs: dict[str, Result]) -> list[list[str]]:
    return [
        [
            str(r["name"]),
            str(r["institutions"]),
            str(r["inspections"]),
            str(r["notices_issued"]),
            str(r["notices_closed"]),
            str(r["ads_removed"]),
        ]
        for r in figs.get("counties") or []
    ]


_CHINESE_ORDINALS = "一二三四五六七八九十"


def _ordinal(i: int) -> str:
    # Chinese numerals in a Chinese document (（一）); plain figures in any other language.
    if not (get_language() or "zh-hans").startswith("zh"):
        return str(i + 1)
    return _CHINESE_ORDINALS[i] if i < len(_CHINESE_ORDINALS) else str(i + 1)


def case_text(i: int, case: dict[str, Any]) -> str:
    """One typical case as the bulletin tells it: who, what happened, on what basis, which measures."""
    text = _("（%(n)s）%(name)s%(violation)s案。") % {
        "n": _ordinal(i),
        "name": case["name"],
        "violation": case["violation"],
    }
    summary = case["summary"].strip().strip("。")
    if summary:
        text += summary + "。"
    if case.get("basis"):
        # The provision cited, without its text (the cases' table prints the whole line).
        provision = case["basis"].split("：")[0].split(":")[0].rstrip("。，")
        text += _("依据%(basis)s，") % {"basis": provision}
    if case.get("measures"):
        text += _("给予%(measures)s的处罚。") % {"measures": case["measures"]}
    return text


def case_headers() -> list[str]:
    return [_("名称"), _("违法行为"), _("处罚措施"), _("处罚依据"), _("决定书文号")]


def case_rows(figs: dict[str, Result]) -> list[list[str]]:
    return [
        [str(c["name"]), str(c["violation"]), str(c["measures"]), str(c["basis"]), str(c["decision_no"])]
        for c in figs.get("typical_cases") or []
    ]


def bulletin_charts_of(bulletin: Bulletin) -> list[Chart]:
    return bulletin_charts(figures_of(bulletin.figures))


def bulletin_page(bulletin: Bulletin) -> dict[str, Any]:
    """What the bulletin's page shows besides its text (the regulator's preview and the portal alike), all from
    its stored figures: the facts, the county table, the typical cases' table and the charts."""
    figs = figures_of(bulletin.figures)
    charts = [{**c.as_json(), "number": i} for i, c in enumerate(bulletin_charts(figs), 1)]
    return {
        "b": bulletin,
        "facts": overview_lines(figs),
        "headers": county_headers(),
        "rows": county_rows(figs),
        "case_headers": case_headers(),
        "case_rows": case_rows(figs),
        "charts": charts,
        "overview_charts": [c for c in charts if c["section"] == Section.OVERVIEW],
        "county_charts": [c for c in charts if c["section"] == Section.COUNTIES],
    }


def _default_texts(figs: dict[str, Result]) -> tuple[str, str, str]:
    overview = "".join(overview_lines(figs))
    rows = figs.get("counties") or []
    busiest = sorted(rows, key=lambda r: -int(r["inspections"]))[:3]
    counties_text = (
        _("检查次数居前的县区：%(names)s。")
        % {"names": "、".join(f"{r['name']}（{r['inspections']}次）" for r in busiest)}
        if busiest and busiest[0]["inspections"]
        else ""
    )
    cases = figs.get("typical_cases") or []
    cases_text = "\n".join(case_text(i, c) for i, c in enumerate(cases)) if cases else _("本期无公开的典型案例。")
    return overview, counties_text, cases_text


def period_title(series: str, start: datetime.date, end: datetime.date) -> str:
    if (
        start.year == end.year
        and start.month == end.month
        and start.day == 1
        and (end + datetime.timedelta(1)).day == 1
    ):
        return _("%(y)d年%(m)d月“双减”工作情况") % {"y": end.year, "m": end.month}
    return _("%(a)s至%(b)s“双减”工作情况") % {
        "a": f"{start.year}年{start.month}月{start.day}日",
        "b": f"{end.month}月{end.day}日" if start.year == end.year else f"{end.year}年{end.month}月{end.day}日",
    }


def bulletin_number_text(year: int, seq: int) -> str:
    return f"〔{year}〕第{seq}期"


# --- selectors -------------------------------------------------------------------------------------------------


def bulletins_for_user(user: User | AnonymousUser, *, status: str = "") -> QuerySet[Bulletin]:
    qs = scope_queryset(Bulletin.objects.all(), user)
    if status in BulletinStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-period_end", "-pk")


def bulletin_for_user(user: User | AnonymousUser, pk: int) -> Bulletin:
    return get_in_scope_or_404(Bulletin.objects.select_related("supersedes"), user, pk=pk)


def _division_and_above(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def bulletins_published(division_code: str | None = None) -> QuerySet[Bulletin]:
    """What the public sees: published bulletins (not superseded ones), a county's with those of the city and
    province above it."""
    qs = Bulletin.objects.filter(status=BulletinStatus.PUBLISHED, published_on__lte=timezone.localdate())
    if division_code:
        qs = qs.filter(division_code__in=_division_and_above(division_code))
    return qs.order_by("-published_on", "-pk")


def bulletin_published_or_404(pk: int) -> Bulletin:
    try:
        return bulletins_published().get(pk=pk)
    except Bulletin.DoesNotExist:
        raise Http404 from None


def issuer_divisions_for_user(user: User | AnonymousUser) -> list[Division]:
    """Divisions the user may issue a bulletin for: cities and counties in their jurisdiction."""
    qs = scope_queryset(Division.objects.filter(level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY]), user, "code")
    return list(qs.order_by("code"))


# --- services --------------------------------------------------------------------------------------------------


def _figures_for(division_code: str, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    period = {"division": division_code, "start": start.isoformat(), "end": end.isoformat()}
    out = []
    for f in registered_figures():
        params = {**period, **(f.extra() if f.extra else {})}
        out.append({"name": f.name, "params": params, "result": f.run(params)})
    return out


def bulletin_figures_regenerate(bulletin: Bulletin) -> list[dict[str, Any]]:
    """The bulletin's figures computed again from its stored queries and parameters."""
    return [
        {"name": f["name"], "params": f["params"], "result": figure_run(f["name"], f["params"])}
        for f in bulletin.figures
    ]


def _snapshot(b: Bulletin) -> dict[str, Any]:
    return {
        "status": b.status,
        "number": b.number,
        "title": b.title,
        "overview_text": b.overview_text,
        "counties_text": b.counties_text,
        "cases_text": b.cases_text,
    }


def _require(actor: User, perm: str, obj: object = None) -> None:
    if not can(actor, perm, obj):
        raise Http404


@transaction.atomic
def bulletin_draft(
    *, actor: User, division_code: str, series: str, period_start: datetime.date, period_end: datetime.date
) -> Bulletin:
    """A draft bulletin of ``division_code`` for the period, its figures computed now and its text drafted."""
    _require(actor, "oversight.draft_bulletin")
    division = Division.objects.filter(code=division_code, level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY]).first()
    if division is None or not code_in_scope(actor, division_code):
        raise ValidationError({"division_code": _("只能为本辖区的市、县区起草简报。")}, code="out_of_scope")
    if series not in BulletinSeries.values:
        raise ValidationError({"series": _("请选择简报类别。")}, code="invalid")
    if period_start > period_end:
        raise ValidationError({"period_end": _("截止日不能早于起始日。")}, code="period_order")
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("统计期尚未结束，不能起草。")}, code="period_future")
    if (period_end - period_start).days > int(settings.BULLETIN_MAX_PERIOD_DAYS):
        raise ValidationError(
            {"period_start": _("统计期最长%(n)d天。") % {"n": settings.BULLETIN_MAX_PERIOD_DAYS}}, code="period_long"
        )
    figures = _figures_for(division_code, period_start, period_end)
    overview, counties_text, cases_text = _default_texts(figures_of(figures))
    b = Bulletin.objects.create(
        series=series,
        division_code=division_code,
        issuer_name=str(settings.BULLETIN_ISSUER_FORMAT).format(name=division.name),
        period_start=period_start,
        period_end=period_end,
        title=period_title(series, period_start, period_end),
        overview_text=overview,
        counties_text=counties_text,
        cases_text=cases_text,
        figures=figures,
        created_by=actor,
    )
    audit_record(actor=actor, action="bulletin.draft", obj=b, after=_snapshot(b))
    return b


def _lock_draft(bulletin: Bulletin) -> Bulletin:
    b = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if b.status != BulletinStatus.DRAFT:
        raise ValidationError(_("已发布的简报不能修改，请起草修订版。"), code="not_draft")
    return b


@transaction.atomic
def bulletin_edit(
    *, actor: User, bulletin: Bulletin, title: str, overview_text: str, counties_text: str, cases_text: str
) -> Bulletin:
    """The editor's revision of a draft's text (the figures stay as computed)."""
    _require(actor, "oversight.edit_bulletin", bulletin)
    b = _lock_draft(bulletin)
    before = _snapshot(b)
    b.title, b.overview_text, b.counties_text, b.cases_text = title, overview_text, counties_text, cases_text
    b.full_clean(exclude=["created_by", "published_by", "supersedes"])
    if _snapshot(b) == before:
        return b
    b.save()
    audit_record(actor=actor, action="bulletin.edit", obj=b, before=before, after=_snapshot(b))
    return b


@transaction.atomic
def bulletin_publish(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """Publish a draft: a first issue takes the issuer's next number of the year (no gaps: the number is taken
    in this transaction); a revision keeps its predecessor's number and supersedes it."""
    _require(actor, "oversight.edit_bulletin", bulletin)
    b = _lock_draft(bulletin)
    before = _snapshot(b)
    today = timezone.localdate()
    if b.supersedes_id:
        old = Bulletin.objects.select_for_update().get(pk=b.supersedes_id)
        if old.status != BulletinStatus.PUBLISHED:
            raise ValidationError(_("原简报已被其他修订版替代。"), code="superseded")
        old.status = BulletinStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        b.year, b.seq, b.number = old.year, old.seq, old.number
    else:
        b.year = today.year
        b.seq = document_number_next(issuer=b.division_code, kind=f"bulletin.{b.series}", year=today.year)
        b.number = bulletin_number_text(b.year, b.seq)
    b.status = BulletinStatus.PUBLISHED
    b.published_on = today
    b.published_by = actor
    b.save()
    audit_record(actor=actor, action="bulletin.publish", obj=b, before=before, after=_snapshot(b))
    return b


@transaction.atomic
def bulletin_revise(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """A new draft revising a published bulletin: same period, same stored figures, the text to correct."""
    _require(actor, "oversight.edit_bulletin", bulletin)
    old = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if old.status != BulletinStatus.PUBLISHED:
        raise ValidationError(_("只能修订已发布的简报。"), code="not_published")
    pending = old.revisions.filter(status=BulletinStatus.DRAFT).first()
    if pending is not None:
        return pending
    b = Bulletin.objects.create(
        series=old.series,
        division_code=old.division_code,
        issuer_name=old.issuer_name,
        period_start=old.period_start,
        period_end=old.period_end,
        title=old.title,
        overview_text=old.overview_text,
        counties_text=old.counties_text,
        cases_text=old.cases_text,
        figures=old.figures,
        revision=old.revision + 1,
        supersedes=old,
        number=old.number,
        created_by=actor,
    )
    audit_record(actor=actor, action="bulletin.revise", obj=b, after={**_snapshot(b), "supersedes": old.pk})
    return b
