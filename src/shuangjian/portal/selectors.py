"""Public reads: only what the public may see about an institution, never people's private data.

No database ids, no legal representative's identity number or anyone's personal phone; the institution's own
phone number is public. Everything returned here is safe to print on the portal and in the public API.
"""

from __future__ import annotations

import datetime
import functools
import json
import time
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shuangjian.core.models import Division, DivisionLevel
from shuangjian.registry import standing
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
from shuangjian.registry.rules import zombie_since_year

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
    return unicodedata.normalize("NFKC", q or "").strip()[:64]


def _looks_like_code(text: str) -> bool:
    """A USCC or licence-number-like query: no CJK name could contain it, so the name search is skipped."""
    return len(text) == 18 and text.isascii() and text.isalnum()


# One statement per search: the rows of the answer with the white/black-list facts. The inspection facts are
# scalar subqueries with LIMIT 1 rather than EXISTS: PostgreSQL may run an EXISTS as a "hashed subplan" that reads
# every annual inspection once per query (150 ms at 200k institutions); a LIMIT subquery is always evaluated per
# returned row, through the indexes. The black list is read once for the page's ids (``{in_page}``: on PostgreSQL
# ``= ANY(ARRAY(...))``, one index scan at any size): a per-row subquery on that small table was a sequential scan
# per row (a third of the statement's time at 20k institutions). ``{hits}`` yields the ids of the answer's rows
# and ``{order}`` their order; ``{counts}`` the two counts ``search_totals`` reads (how many names start with /
# contain the text, as far as they were counted).
_SEARCH_SQL = """
{with_}
SELECT i.id, {columns},
  bl.institution_id IS NOT NULL AS list_blacklisted,
  (SELECT 1 FROM registry_annualinspection a
   WHERE a.institution_id = i.id AND a.year >= %(since)s AND a.result IN ('passed', 'basic') LIMIT 1)
   IS NOT NULL AS list_passed_since,
  (SELECT a.result FROM registry_annualinspection a
   WHERE a.institution_id = i.id ORDER BY a.year DESC LIMIT 1) AS list_latest_result,
  {counts}
FROM {hits} h
JOIN registry_institution i ON i.id = h.id
LEFT JOIN (
  SELECT DISTINCT b.institution_id FROM registry_blacklistentry b
  WHERE b.institution_id {in_page} AND b.start <= %(today)s AND (b."end" IS NULL OR b."end" >= %(today)s)
) bl ON bl.institution_id = i.id
ORDER BY {order}
"""

# Exact USCC or licence number: at most two rows, through the two unique indexes. (Not ordered inside: with
# ORDER BY name ... LIMIT the planner may walk the name index and filter, reading the whole table.)
_CODE_HITS = "(SELECT id FROM registry_institution WHERE uscc = %(code)s OR licence_no = %(text)s LIMIT 2)"
_CODE_COUNTS = "NULL AS search_prefixed, NULL AS search_contained"

# Names: the prefix matches in name order (one more than a page, to know whether there are more), then — only
# while they do not fill the page — the names containing the text, in no particular order and at most
# the count limit + 1 of them. When that scan stops short of the limit it has seen every match, so the page
# (prefix matches first, then the others, each in name order) and the total are exact; past the limit the answer
# says so (``search_totals``) instead of visiting every match: at 200k institutions a four-character fragment
# is in 500-2 000 names, and visiting their rows to sort them all was most of a search's cost. The uncorrelated
# count is a one-time filter on PostgreSQL: the contains scan does not run at all when prefix matches fill the
# page.
_NAME_WITH = """
WITH pre AS {materialized} (
  SELECT p.id, p.name, p.uscc FROM ({prefix}) p WHERE p.name LIKE {prefix_param} ESCAPE '\\'
  ORDER BY p.name, p.uscc LIMIT {max1}
), con AS {materialized} (
  SELECT m.id, m.name, m.uscc FROM ({contains}) m
  WHERE (SELECT count(*) FROM pre) <= {max}
  LIMIT {limit1}
), hits AS (
  SELECT id, 0 AS grp, name, uscc FROM pre
  UNION ALL
  SELECT id, 1, name, uscc FROM con WHERE id NOT IN (SELECT id FROM pre)
)
"""
# With 3+ characters PostgreSQL picks the contains matches through the trigram index first (OFFSET 0 is a planner
# fence): left to itself the planner walks the name btree in order testing every name, slow for a rare fragment.
# On PostgreSQL the prefix matches are read as a byte range walked in order on the pattern-ops name index (the LIKE
# outside keeps the match exact): unlike a LIKE pattern, a range is usable by an index in a generic plan (see
# ``_search_statements``), and the walk stops after one more than a page. With the C collation byte order is name
# order; with another, when more than a page of names start with the text, the page shows the first of them in
# code-point order, sorted by name, and says that more match.
_PREFIX_RANGE = (
    "SELECT id, name, uscc FROM registry_institution WHERE name ~>=~ (SELECT %(low)s::text)"
    " AND name ~<~ (SELECT %(high)s::text)"
    " ORDER BY name USING ~<~ LIMIT {max1}"
)
_PREFIX_PLAIN = "SELECT id, name, uscc FROM registry_institution"
_CONTAINS_TRIGRAM = (
    "SELECT id, name, uscc FROM registry_institution WHERE name LIKE (SELECT %(contains)s::text) ESCAPE '\\' OFFSET 0"
)
_CONTAINS_PLAIN = "SELECT id, name, uscc FROM registry_institution WHERE name LIKE %(contains)s ESCAPE '\\'"
_NAME_HITS = "(SELECT id, grp, name, uscc FROM hits ORDER BY grp, name, uscc LIMIT {max})"
_NAME_COUNTS = "(SELECT count(*) FROM pre) AS search_prefixed, (SELECT count(*) FROM con) AS search_contained"


# The longest name the registry stores (Institution.name's max_length) — see ``_prefix_range``.
_NAME_MAX_CHARS = 128


def _prefix_range(text: str) -> tuple[str, str]:
    """Bounds ``low <= name < high`` (byte order, as the pattern-ops index compares) of every name starting with text.

    ``high`` is the text with its last character incremented (UTF-8 byte order is code point order); a last
    character that cannot be incremented is dropped first. The LIKE in the statement keeps the match exact.
    """
    prefix = text
    while prefix:
        following = ord(prefix[-1]) + 1
        if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be encoded: skip to the next character
            following = 0xE000
        if following <= 0x10FFFF:
            return text, prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return text, chr(0x10FFFF) * (_NAME_MAX_CHARS + 1)  # above every stored name


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_statements(text: str, today: datetime.date) -> list[tuple[str, dict[str, Any], bool]]:
    """The statements of one search, in order: run each until one returns rows.

    An exact code match alone (queries with a digit: every USCC and licence number has one, most names none),
    else prefix matches, then other names containing the text. Parameters are always bound, never formatted in.
    The third item says whether the statement may be prepared (PostgreSQL, server-side binding). The exact-code
    one has one right plan whatever the values. The name one with 3+ characters passes the texts it matches as
    one-row subqueries (``(SELECT %(prefix)s::text)``): the planner cannot see their values in any plan, so a
    custom plan costs what the generic one does and PostgreSQL keeps the generic plan after five runs — no
    planning per search (0.25 ms of the 0.9 ms a search cost PostgreSQL at 200k institutions). That plan walks
    the prefix range in order on the pattern-ops index and takes contains matches from the trigram index behind
    the fence (over the wide institution rows a bitmap scan stopping at the limit costs a third of a sequential
    one, whatever the table's size), and PostgreSQL plans it again when ANALYZE changes the table's statistics.
    A 2-character name is neither prepared nor hidden: no trigram matches 2 characters, so it needs a plan that
    knows its pattern (a sequential scan that stops at the limit).
    """
    common: dict[str, Any] = {"today": today, "since": zombie_since_year(today)}
    statements: list[tuple[str, dict[str, Any], bool]] = []
    code = text.upper().replace(" ", "")
    postgres = connection.vendor == "postgresql"
    if any(c.isdigit() for c in text):
        statements.append((_code_sql(postgres), {**common, "code": code, "text": text}, True))
    if _looks_like_code(code):
        return statements
    pattern = _like_escape(text)
    trigram = postgres and len(text) >= 3
    sql = _name_sql(postgres, trigram, search_page_size(), search_count_limit())
    params = {
        **common,
        "prefix": f"{pattern}%",
        "contains": f"%{pattern}%",
    }
    if postgres:
        params["low"], params["high"] = _prefix_range(text)
    statements.append((sql, params, trigram))
    return statements


_COLUMNS = ", ".join(f"i.{c}" for c in PUBLIC_FIELDS)


_IN_PAGE = "= ANY(ARRAY(SELECT hb.id FROM {hits} hb))"  # PostgreSQL
_IN_PAGE_PLAIN = "IN (SELECT hb.id FROM {hits} hb)"


def _in_page(hits: str, postgres: bool) -> str:
    return (_IN_PAGE if postgres else _IN_PAGE_PLAIN).format(hits=hits)


@functools.cache
def _code_sql(postgres: bool) -> str:
    return _SEARCH_SQL.format(
        with_="",
        columns=_COLUMNS,
        counts=_CODE_COUNTS,
        hits=_CODE_HITS,
        in_page=_in_page(_CODE_HITS, postgres),
        order="i.name, i.uscc",
    )


@functools.cache
def _name_sql(postgres: bool, trigram: bool, page: int, count_limit: int) -> str:
    """The name search statement (built once per shape). The limits are written into it, not bound: they are the
    same in every search, and bound limits make PostgreSQL cost the prepared statement's custom plans apart from
    its generic one — with some values it then never switches to the generic plan and plans every search (a third
    of the statement's time at 200k institutions)."""
    limits = {"max": page, "max1": page + 1, "limit1": count_limit + 1}
    with_ = _NAME_WITH.format(
        materialized="MATERIALIZED" if postgres else "",
        prefix=(_PREFIX_RANGE if postgres else _PREFIX_PLAIN).format(**limits),
        contains=_CONTAINS_TRIGRAM if trigram else _CONTAINS_PLAIN,
        prefix_param="(SELECT %(prefix)s::text)" if trigram else "%(prefix)s",
        **limits,
    )
    hits = _NAME_HITS.format(**limits)
    return _SEARCH_SQL.format(
        with_=with_,
        columns=_COLUMNS,
        counts=_NAME_COUNTS,
        hits=hits,
        in_page=_in_page(hits, postgres),
        order="h.grp, h.name, h.uscc",
    )


@dataclass(frozen=True)
class SearchTotals:
    """How complete a result list is: ``total`` institutions match (None: not counted), ``more`` than are listed."""

    total: int | None
    more: bool


def search_totals(listed: int, prefixed: int | None, contained: int | None) -> SearchTotals:
    """The completeness of an answer from its statement's two counts (the same in every row; None: a code match).

    - an exact code match is the whole answer;
    - more prefix matches than a page: the page is the first of them in name order, the others were not counted;
    - otherwise the contains scan ran: it counted every match (prefix matches are among them) unless it stopped
      at the count limit + 1, in which case more than the limit match and the page was picked from the first
      limit + 1 found (prefix matches first) — not necessarily the first in name order.
    """
    if prefixed is None or contained is None:
        return SearchTotals(total=listed, more=False)
    if prefixed > search_page_size() or contained > search_count_limit():
        return SearchTotals(total=None, more=True)
    return SearchTotals(total=contained, more=contained > listed)


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

    An exact code match alone. Names match by prefix first (btree pattern index), then anywhere in the name (a
    trigram index on PostgreSQL); see ``search_totals`` for what is counted. This is the public search's hot path,
    so each step is one hand-written statement that also carries the white/black-list facts (the same rules as
    ``registry.lists``; see ``flags_from_facts``): building the equivalent ORM query with its subqueries cost more
    than running it.
    """
    text = normalise_query(q)
    if len(text) < SEARCH_MIN_CHARS:
        return SearchPage(institutions=[], totals=SearchTotals(total=0, more=False))
    for sql, params, _prepare in _search_statements(text, today_local()):
        found = list(Institution.objects.raw(sql, params))
        if found:
            first: Any = found[0]
            totals = search_totals(len(found), first.search_prefixed, first.search_contained)
            return SearchPage(institutions=found, totals=totals)
    return SearchPage(institutions=[], totals=SearchTotals(total=0, more=False))


def _search_rows(text: str, today: datetime.date) -> list[tuple[Any, ...]]:
    """``search_page``'s rows as plain tuples (id, PUBLIC_FIELDS..., the three list facts, the two counts)."""
    for sql, params, prepare in _search_statements(text, today):
        with _preparing_cursor() if prepare else connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if rows:
            return rows
    return []


def _preparing_cursor() -> Any:
    """A cursor that prepares its statements on the server (PostgreSQL; elsewhere Django's own cursor).

    Django's psycopg cursors bind parameters on the client, so PostgreSQL parses and plans the statement on every
    request. The search statements are prepared once per connection instead and, after a few runs, use their
    generic plans (see ``_search_statements``): no parsing, no planning. The cursor is wrapped
    like Django's own, so ``execute_wrapper`` (the tests' query counts) still sees it; the logged SQL is None.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw_connection = connection.connection
    # Django turns psycopg's statement preparation off (prepare_threshold None); only server-side-binding cursors
    # prepare at all, and this module's is the only one, so allowing it on the connection changes nothing else.
    if raw_connection.prepare_threshold is None:
        raw_connection.prepare_threshold = 5
    raw = _preparing_cursor_class()(raw_connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


@functools.cache
def _preparing_cursor_class() -> type:
    import psycopg

    class PreparingCursor(psycopg.Cursor[Any]):
        """Server-side binding; every statement prepared on its first run (Django's wrapper cannot ask for it)."""

        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = True, binary: bool | None = None
        ) -> Any:
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparingCursor


def search_answer(q: str) -> bytes:
    """The public API's search answer ``{"query", "count", "total", "more", "results"}`` as UTF-8 JSON.

    The same rows as ``search_institutions`` and, per row, the same object as ``public_profile`` +
    ``profile_dict(summary=True)`` (a test compares them), built straight from the statement's tuples: on a cache
    miss, making model instances and profiles for 20 rows cost more than the statement.
    """
    text = normalise_query(q)
    today = today_local()
    rows = _search_rows(text, today) if len(text) >= SEARCH_MIN_CHARS else []
    labels = labels_for_language()
    names = _division_names({row[_COL["division_code"]] for row in rows})
    facts = _facts_by_id([row[_COL["id"]] for row in rows], today)
    results = [_summary(row, labels, names, facts[row[_COL["id"]]]) for row in rows]
    if rows:
        totals = search_totals(len(rows), rows[0][_COL["prefixed"]], rows[0][_COL["contained"]])
    else:
        totals = SearchTotals(total=0, more=False)
    answer = {"query": text, "count": len(results), "total": totals.total, "more": totals.more, "results": results}
    # orjson: the busiest public answer, serialised in a fifth of the json module's time (UTF-8, no escapes).
    return orjson.dumps(answer)


# Where each column sits in a ``_search_rows`` tuple.
_COL = {
    name: n
    for n, name in enumerate(
        ("id", *PUBLIC_FIELDS, "blacklisted", "passed_since", "latest_result", "prefixed", "contained")
    )
}


def _iso(day: datetime.date | str | None) -> str | None:
    # SQLite hands dates back as text already.
    return day.isoformat() if isinstance(day, datetime.date) else day


def _facts_by_id(ids: list[int], today: datetime.date) -> dict[int, standing.StandingFacts]:
    """The standing facts of a result page, in one query (the registry's definition, not a copy of it)."""
    return standing.standing_facts_for([Institution(pk=pk) for pk in ids], today)


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
        "on_whitelist": standing.is_whitelisted(facts),
        "on_blacklist": facts.blacklisted,
        "standing": [f.as_dict() for f in standing.status_summary(facts)],
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
    """Published administrative penalties of the institution.

    TODO(enforcement issue: penalty cases and exposure): the enforcement app does not exist yet; when it does,
    return its published cases here (decision number, date, violation, penalty). Until then: none.
    """
    return []


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
