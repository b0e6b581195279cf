"""Public reads: only what the public may see about an institution, never people's private data.

No database ids, no legal representative's identity number or anyone's personal phone; the institution's own
phone number is public. Everything returned here is safe to print on the portal and in the public API.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass, field, fields
from typing import Any

import orjson
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shuangjian.core.models import Division, DivisionLevel
from shuangjian.enforcement.selectors import publication_of, published_cases
from shuangjian.registry import search, standing
from shuangjian.registry.lists import (
    blacklist_queryset,
    list_status,
    status_from_facts,
    today_local,
    whitelist_queryset,
)
from shuangjian.registry.models import (
    BlacklistEntry,
    Category,
    Institution,
    InstitutionStatus,
    ListKind,
    ListPublication,
    ListPublicationRow,
    NonSubjectField,
    Subject,
    SupervisionMode,
    TrainingFormat,
)
from shuangjian.registry.search import SearchTotals

SEARCH_MIN_CHARS = 2
# Results per search: the setting SHUANGJIAN_PUBLIC_SEARCH_PAGE (env PUBLIC_SEARCH_PAGE, default 10), within these.
SEARCH_PAGE_MIN, SEARCH_PAGE_MAX = 1, 50
# A name search counts its matches up to this many (at least a page); past it the answer says "more than this, not
# all listed" (see ``search_totals``) instead of visiting every matching row: the public search's cost stays
# bounded. It was 100: five times the rows visited for a number that only says "refine the query" (the name search
# at 200k institutions spent a tenth of its time on it).
SEARCH_COUNT_LIMIT = 20


def search_page_size() -> int:
    """How many institutions one search lists (the setting, within SEARCH_PAGE_MIN..SEARCH_PAGE_MAX)."""
    page = int(getattr(settings, "SHUANGJIAN_PUBLIC_SEARCH_PAGE", 10))
    return min(max(page, SEARCH_PAGE_MIN), SEARCH_PAGE_MAX)


def search_count_limit() -> int:
    return max(SEARCH_COUNT_LIMIT, search_page_size())


# Columns a public query reads: nothing private is even fetched.
PUBLIC_FIELDS = (
    "name",
    "uscc",
    "category",
    "field",
    "licensed_subjects",
    "address",
    "division_code",
    "phone",
    "training_format",
    "status",
    "licence_no",
    "licence_issued_on",
    "licence_expires_on",
    "supervision_mode",
)


def normalise_query(q: str) -> str:
    """A query as the registry's search compares it (NFKC: full-width brackets, digits, spaces made half-width)."""
    return search.normalise(q)


@dataclass
class SearchPage:
    """What the portal's search page shows: the institutions and how complete the list is."""

    institutions: list[Institution]
    totals: SearchTotals


def search_institutions(q: str) -> list[Institution]:
    """Up to a page (``search_page_size``) of institutions matching a name, USCC or licence number; an exact code
    match alone."""
    return search_page(q).institutions


def search_page(q: str) -> SearchPage:
    """Up to a page of institutions matching a name, USCC or licence number, and how complete that list is.

    The statements are ``registry.search``'s (an exact code match alone; names by prefix, then anywhere in the
    name; ``search_totals`` says what is counted); the portal chooses the public columns (``PUBLIC_FIELDS``), the
    page size and how far matches are counted.
    """
    text = normalise_query(q)
    if len(text) < SEARCH_MIN_CHARS:
        return SearchPage(institutions=[], totals=SearchTotals(total=0, more=False))
    found, totals = search.search_institutions(
        text, columns=PUBLIC_FIELDS, page=search_page_size(), count_limit=search_count_limit()
    )
    return SearchPage(institutions=found, totals=totals)


def search_answer(q: str) -> bytes:
    """The public API's search answer ``{"query", "count", "total", "more", "results"}`` as UTF-8 JSON.

    The same rows as ``search_institutions`` and, per row, the same object as ``public_profile`` +
    ``profile_dict(summary=True)`` (a test compares them), built straight from the statement's tuples: on a cache
    miss, making model instances and profiles for 20 rows cost more than the statement.
    """
    text = normalise_query(q)
    today = today_local()
    page, count_limit = search_page_size(), search_count_limit()
    if len(text) >= SEARCH_MIN_CHARS:
        rows, totals = search.search_page_rows(
            text, columns=PUBLIC_FIELDS, page=page, count_limit=count_limit, today=today
        )
    else:
        rows, totals = [], SearchTotals(total=0, more=False)
    labels = labels_for_language()
    names = _division_names({row[_COL["division_code"]] for row in rows})
    results = [_summary(row, labels, names, _facts(row, today)) for row in rows]
    answer = {"query": text, "count": len(results), "total": totals.total, "more": totals.more, "results": results}
    # orjson: the busiest public answer, serialised in a fifth of the json module's time (UTF-8, no escapes).
    return orjson.dumps(answer)


# Where each column sits in a ``registry.search.search_page_rows`` tuple.
_COL = {name: n for n, name in enumerate(("id", *PUBLIC_FIELDS, *search.FACT_COLUMNS))}


def _iso(day: datetime.date | str | None) -> str | None:
    # SQLite hands dates back as text already.
    return day.isoformat() if isinstance(day, datetime.date) else day


def _facts(row: tuple[Any, ...], today: datetime.date) -> standing.StandingFacts:
    """The standing facts of a result row (read with it, by the registry's definition: ``conditions.with_standing``)."""
    c = _COL
    return standing.StandingFacts(
        status=row[c["status"]],
        licence_no=row[c["licence_no"]],
        licence_issued_on=_date(row[c["licence_issued_on"]]),
        licence_expires_on=_date(row[c["licence_expires_on"]]),
        supervision_mode=row[c["supervision_mode"]],
        blacklisted=bool(row[c["st_blacklisted"]]),
        inspected_since=bool(row[c["st_inspected_since"]]),
        latest_result=row[c["st_latest_result"]],
        has_violations=bool(row[c["st_has_violations"]]),
        today=today,
    )


def _date(day: datetime.date | str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(day) if isinstance(day, str) else day


def _summary(
    row: tuple[Any, ...], labels: Labels, names: dict[str, str], facts: standing.StandingFacts
) -> dict[str, Any]:
    """One search result as ``public_profile`` + ``profile_dict(summary=True)`` would give it."""
    c = _COL
    today = facts.today
    status = row[c["status"]]
    licence_no = row[c["licence_no"]]
    expires = row[c["licence_expires_on"]]
    if isinstance(expires, str):
        expires = datetime.date.fromisoformat(expires)
    issued = row[c["licence_issued_on"]]
    if isinstance(issued, str):
        issued = datetime.date.fromisoformat(issued)
    code = licence_status_from(licence_no, status, expires, today)
    category, field_value, mode = row[c["category"]], row[c["field"]], row[c["supervision_mode"]]
    division = row[c["division_code"]]
    on_whitelist, summary = standing.public_standing(facts)
    return {
        "name": row[c["name"]],
        "uscc": row[c["uscc"]],
        "category": category,
        "category_label": labels.category.get(category, category),
        "field_label": labels.field.get(field_value, "") if field_value else "",
        "subjects": labels.subjects(row[c["licensed_subjects"]]),
        "status": status,
        "status_label": labels.status.get(status, status),
        "licence_status": code,
        "licence_status_label": labels.licence[code],
        "licence_no": licence_no or "",
        "licence_expires_on": _iso(expires),
        "address": row[c["address"]],
        "division_code": division,
        "division_name": names.get(division, ""),
        "phone": row[c["phone"]],
        "training_format_label": labels.training_format.get(row[c["training_format"]], ""),
        "supervision_mode": mode,
        "supervision_mode_label": labels.supervision_mode.get(mode, ""),
        "supervised": mode != SupervisionMode.NONE,
        "on_whitelist": on_whitelist,
        "on_blacklist": facts.blacklisted,
        "standing": summary,
    }


def institution_by_uscc(uscc: str) -> Institution:
    try:
        return Institution.objects.only(*PUBLIC_FIELDS).get(uscc=normalise_query(uscc).upper())
    except Institution.DoesNotExist:
        raise Http404


def licence_status_code(inst: Institution, today: datetime.date) -> str:
    """The licence as the public should read it: none, revoked, deregistered, expired or valid."""
    return licence_status_from(inst.licence_no, inst.status, inst.licence_expires_on, today)


def licence_status_from(
    licence_no: str | None, status: str, expires_on: datetime.date | None, today: datetime.date
) -> str:
    if not licence_no:
        return "none"
    if status == InstitutionStatus.REVOKED:
        return "revoked"
    if status == InstitutionStatus.DEREGISTERED:
        return "deregistered"
    if expires_on and expires_on < today:
        return "expired"
    return "valid"


def published_penalties(inst: Institution) -> list[dict[str, Any]]:
    """Published administrative penalties of the institution (the enforcement app's exposure board), newest
    first: decision number, date, violation, measures — only what a publication may show."""
    out = []
    for case in published_cases(institution_id=inst.pk)[:50]:
        pub = publication_of(case)
        out.append(
            {
                "decision_no": pub["decision_no"],
                "decided_on": pub["decided_on"],
                "violation": pub["summary"] or pub["violation"],
                "penalty": pub["measures"],
            }
        )
    return out


# Fields only the single-institution answer carries (a result list leaves them out).
DETAIL_ONLY = frozenset({"whitelist_reasons", "blacklist", "penalties"})


@dataclass
class PublicProfile:
    name: str
    uscc: str
    category: str
    category_label: str
    field_label: str
    subjects: list[str]
    status: str
    status_label: str
    licence_status: str
    licence_status_label: str
    licence_no: str
    licence_expires_on: datetime.date | None
    address: str
    division_code: str
    division_name: str
    phone: str
    training_format_label: str
    supervision_mode: str
    supervision_mode_label: str
    supervised: bool
    on_whitelist: bool
    on_blacklist: bool
    standing: list[dict[str, str]] = field(default_factory=list)
    whitelist_reasons: list[str] = field(default_factory=list)
    blacklist: list[dict[str, Any]] = field(default_factory=list)
    penalties: list[dict[str, Any]] = field(default_factory=list)


def list_flags(institutions: list[Institution]) -> dict[int, standing.StandingFacts]:
    """The standing facts of a page of results of ``search_institutions`` (one query)."""
    return standing.standing_facts_for(institutions, today_local())


class Labels:
    """Choice labels translated once per language per process (see ``labels``), not once per row or request."""

    def __init__(self) -> None:
        def table(choices: Any) -> dict[str, str]:
            return {value: str(label) for value, label in choices}

        self.category = table(Category.choices)
        self.field = table(NonSubjectField.choices)
        self.subject = table(Subject.choices)
        self.status = table(InstitutionStatus.choices)
        self.training_format = table(TrainingFormat.choices)
        self.supervision_mode = table(SupervisionMode.choices)
        self.licence = {
            "none": _("未取得办学许可证"),
            "revoked": _("办学许可证已吊销"),
            "deregistered": _("已注销"),
            "expired": _("办学许可证已过期"),
            "valid": _("有效"),
        }
        # Licensed-subject lists as the database gives them (JSON text) → their labels: few distinct lists recur
        # across institutions, and parsing each row's JSON was a tenth of a search's Python time.
        self._subject_lists: dict[str, list[str]] = {}

    def subjects(self, raw: str | list[str] | None) -> list[str]:
        if not raw:
            return []
        if not isinstance(raw, str):
            return [self.subject.get(s, s) for s in raw]
        found = self._subject_lists.get(raw)
        if found is None:
            found = [self.subject.get(s, s) for s in (json.loads(raw) or [])]
            if len(self._subject_lists) < 10_000:  # bounded: an odd list past the limit is parsed each time
                self._subject_lists[raw] = found
        return found


_LABELS: dict[str, Labels] = {}


def labels_for_language() -> Labels:
    """The translated labels for the active language, built on first use in each process."""
    lang = get_language() or ""
    found = _LABELS.get(lang)
    if found is None:
        found = _LABELS[lang] = Labels()
    return found


def public_profile(
    inst: Institution,
    *,
    division_names: dict[str, str] | None = None,
    flags: standing.StandingFacts | None = None,
    labels: Labels | None = None,
) -> PublicProfile:
    """What the portal and the public API say about one institution.

    With ``flags`` (facts from ``list_flags``) it is the short form for result lists: no reasons, entries or
    penalties.
    """
    today = today_local()
    labels = labels or labels_for_language()
    code = licence_status_code(inst, today)
    if division_names is None:
        division_names = dict(Division.objects.filter(code=inst.division_code).values_list("code", "name"))
    detail = flags is None
    status = list_status(inst, today) if flags is None else status_from_facts(flags)
    return PublicProfile(
        name=inst.name,
        uscc=inst.uscc,
        category=inst.category,
        category_label=labels.category.get(inst.category, inst.category),
        field_label=labels.field.get(inst.field, "") if inst.field else "",
        subjects=[labels.subject.get(s, s) for s in (inst.licensed_subjects or [])],
        status=inst.status,
        status_label=labels.status.get(inst.status, inst.status),
        licence_status=code,
        licence_status_label=labels.licence[code],
        licence_no=inst.licence_no or "",
        licence_expires_on=inst.licence_expires_on,
        address=inst.address,
        division_code=inst.division_code,
        division_name=division_names.get(inst.division_code, ""),
        phone=inst.phone,
        training_format_label=labels.training_format.get(inst.training_format, ""),
        supervision_mode=inst.supervision_mode,
        supervision_mode_label=labels.supervision_mode.get(inst.supervision_mode, ""),
        supervised=inst.supervision_mode != SupervisionMode.NONE,
        on_whitelist=status.on_whitelist,
        on_blacklist=status.on_blacklist,
        standing=[f.as_dict() for f in status.summary],
        whitelist_reasons=status.reasons if detail else [],
        blacklist=[blacklist_public(e) for e in status.blacklist_entries] if detail else [],
        penalties=published_penalties(inst) if detail else [],
    )


_PROFILE_FIELDS = tuple(f.name for f in fields(PublicProfile))
_SUMMARY_FIELDS = tuple(n for n in _PROFILE_FIELDS if n not in DETAIL_ONLY)


def profile_dict(profile: PublicProfile, *, summary: bool = False) -> dict[str, Any]:
    """The profile as the API's JSON object (shallow: dataclasses.asdict's deep copy cost more than the query)."""
    return {name: getattr(profile, name) for name in (_SUMMARY_FIELDS if summary else _PROFILE_FIELDS)}


def blacklist_public(entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "start": entry.start,
        "end": entry.end,
        "department": entry.get_department_display(),
    }


_DIVISION_NAMES: dict[str, str] = {}
_DIVISION_NAMES_AT = 0.0
DIVISION_NAMES_TTL = 600  # seconds; division names change only when the national codes are reloaded


def division_names_for(institutions: list[Institution]) -> dict[str, str]:
    """County names for a result list, from a per-process copy of the county table refreshed every 10 minutes."""
    return _division_names({i.division_code for i in institutions})


def _division_names(codes: set[str]) -> dict[str, str]:
    global _DIVISION_NAMES_AT
    if time.monotonic() - _DIVISION_NAMES_AT > DIVISION_NAMES_TTL or not codes <= _DIVISION_NAMES.keys():
        _DIVISION_NAMES.update(Division.objects.filter(level=DivisionLevel.COUNTY).values_list("code", "name"))
        # Remember unknown codes too, so a row with a code missing from the table cannot force a reload per request.
        _DIVISION_NAMES.update({c: "" for c in codes if c not in _DIVISION_NAMES})
        _DIVISION_NAMES_AT = time.monotonic()
    return {c: _DIVISION_NAMES.get(c, "") for c in codes}


# --- public lists ----------------------------------------------------------------------------------------------


def public_counties() -> list[tuple[str, str]]:
    """(code, name) of every county with institutions on record, for the public lists' picker (names on screen)."""
    names = _division_names(set(Institution.objects.order_by().values_list("division_code", flat=True).distinct()))
    return sorted(((code, name) for code, name in names.items() if name), key=lambda c: c[0])


def with_summaries(institutions: list[Institution]) -> list[Institution]:
    """Give each institution of a list page its ``summary`` (worst first), computed for the page in one query."""
    facts = standing.standing_facts_for(institutions, today_local())
    for inst in institutions:
        inst.summary = standing.status_summary(facts[inst.pk])  # type: ignore[attr-defined]
    return institutions


def public_whitelist(*, q: str = "", division: str = "") -> QuerySet[Institution]:
    qs = whitelist_queryset().only(*PUBLIC_FIELDS)
    if division:
        qs = qs.filter(division_code__startswith=division)
    text = normalise_query(q)
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(uscc=text.upper()) | Q(licence_no=text))
    return qs.order_by("division_code", "name_key", "uscc")


def public_blacklist(*, division: str = "") -> QuerySet[BlacklistEntry]:
    qs = blacklist_queryset()
    if division:
        qs = qs.filter(division_code__startswith=division)
    return qs.order_by("-start", "institution__name")


def latest_publications() -> list[ListPublication]:
    """The newest publication of each area (one per division code), newest first."""
    seen: set[str] = set()
    latest: list[ListPublication] = []
    for pub in ListPublication.objects.order_by("-year", "-published_at")[:200]:
        if pub.division_code not in seen:
            seen.add(pub.division_code)
            latest.append(pub)
    return latest


def publication_rows(publication: ListPublication, kind: str) -> QuerySet[ListPublicationRow]:
    if kind not in ListKind.values:
        raise Http404
    return ListPublicationRow.objects.filter(publication=publication, kind=kind).order_by("division_code", "name", "pk")
