"""The public institution search: one hand-written SQL statement per step, next to the registry it reads.

A search is a name, a USCC or a licence number. A code-like query is answered by the two unique indexes; a name
by prefix matches (a byte range on the pattern-ops index) then names containing the text (a trigram index on
PostgreSQL), each statement carrying the white/black-list facts ``registry.lists`` decides from. Which columns an
answer carries (the public projection), how long a page is and how far matches are counted are the caller's:
the portal passes them. Benchmarks and the reasons for each shape: docs/benchmarks.md, "Registry".

Since issue #17 a name search is answered from a per-process index of every institution's search name
(``name_index``) when it is fresh, the SQL statements below being its reference and its fallback; and the rows an
answer shows, with their standing facts, come from one statement by id (``page_rows``), compiled once a day from
the registry's own queryset and run on its generic plan. When the index is fresh, the black-list fact comes from it
too (the set it read with ``conditions.blacklisted_q``, the same definition) and the statement leaves it out.

Names are matched in their search form (``registry.names``): full-width brackets, digits and spaces as their
half-width selves, the way bureaus and the public type them interchangeably. The query goes through
``search_form`` in Python; the stored side is ``Institution.search_name``, a column the database computes from
``name`` (``SearchForm``), so every write path (services, survey import, admin, demo) keeps it right and its
indexes serve the search.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

from . import conditions, name_index
from .lists import today_local
from .models import Institution
from .names import search_form


def _looks_like_code(text: str) -> bool:
    """A USCC or licence-number-like query: no CJK name could contain it, so the name search is skipped."""
    return len(text) == 18 and text.isascii() and text.isalnum()


# One statement per search: the rows of the answer and how many names matched. Their list facts (black list,
# inspections) come from the registry's one definition (``standing.standing_facts_for``), one query per page.
# ``{hits}`` yields the ids of the answer's rows and ``{order}`` their order; ``{counts}`` the two counts
# ``search_totals`` reads (how many names start with / contain the text, as far as they were counted).
_SEARCH_SQL = """
{with_}
SELECT i.id, {columns},
  {counts}
FROM {hits} h
JOIN registry_institution i ON i.id = h.id
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
    "SELECT id, search_name AS name, uscc FROM registry_institution WHERE search_name ~>=~ (SELECT %(low)s::text)"
    " AND search_name ~<~ (SELECT %(high)s::text)"
    " ORDER BY search_name USING ~<~ LIMIT {max1}"
)
_PREFIX_PLAIN = "SELECT id, search_name AS name, uscc FROM registry_institution"
_CONTAINS_TRIGRAM = (
    "SELECT id, search_name AS name, uscc FROM registry_institution"
    " WHERE search_name LIKE (SELECT %(contains)s::text) ESCAPE '\\' OFFSET 0"
)
_CONTAINS_PLAIN = (
    "SELECT id, search_name AS name, uscc FROM registry_institution WHERE search_name LIKE %(contains)s ESCAPE '\\'"
)
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


def _search_statements(
    text: str, today: datetime.date, *, columns: tuple[str, ...], page: int, count_limit: int
) -> list[tuple[str, dict[str, Any], bool]]:
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
    common: dict[str, Any] = {}
    statements: list[tuple[str, dict[str, Any], bool]] = []
    code = text.upper().replace(" ", "")
    postgres = connection.vendor == "postgresql"
    if any(c.isdigit() for c in text):
        statements.append((_code_sql(postgres, columns), {**common, "code": code, "text": text}, True))
    if _looks_like_code(code):
        return statements
    pattern = _like_escape(text)
    trigram = postgres and len(text) >= 3
    sql = _name_sql(postgres, trigram, page, count_limit, columns)
    params = {
        **common,
        "prefix": f"{pattern}%",
        "contains": f"%{pattern}%",
    }
    if postgres:
        params["low"], params["high"] = _prefix_range(text)
    statements.append((sql, params, trigram))
    return statements


def _columns(columns: tuple[str, ...]) -> str:
    return ", ".join(f"i.{c}" for c in columns)


@functools.cache
def _code_sql(postgres: bool, columns: tuple[str, ...]) -> str:
    return _SEARCH_SQL.format(
        with_="",
        columns=_columns(columns),
        counts=_CODE_COUNTS,
        hits=_CODE_HITS,
        order="i.name, i.uscc",
    )


@functools.cache
def _name_sql(postgres: bool, trigram: bool, page: int, count_limit: int, columns: tuple[str, ...]) -> str:
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
        columns=_columns(columns),
        counts=_NAME_COUNTS,
        hits=hits,
        order="h.grp, h.name, h.uscc",
    )


@dataclass(frozen=True)
class SearchTotals:
    """How complete a result list is: ``total`` institutions match (None: not counted), ``more`` than are listed."""

    total: int | None
    more: bool


def search_totals(
    listed: int, prefixed: int | None, contained: int | None, *, page: int, count_limit: int
) -> SearchTotals:
    """The completeness of an answer from its statement's two counts (the same in every row; None: a code match).

    - an exact code match is the whole answer;
    - more prefix matches than a page: the page is the first of them in name order, the others were not counted;
    - otherwise the contains scan ran: it counted every match (prefix matches are among them) unless it stopped
      at the count limit + 1, in which case more than the limit match and the page was picked from the first
      limit + 1 found (prefix matches first) — not necessarily the first in name order.
    """
    if prefixed is None or contained is None:
        return SearchTotals(total=listed, more=False)
    if prefixed > page or contained > count_limit:
        return SearchTotals(total=None, more=True)
    return SearchTotals(total=contained, more=contained > listed)


def search_ids(text: str, *, page: int, count_limit: int) -> tuple[list[int], SearchTotals]:
    """The ids of a search's answer, in answer order, and how complete it is. ``text`` is already normalised
    (``normalise``). An exact code match alone; else names, from this process's name index when it is fresh
    (``name_index``), else from the SQL statement — the same answer either way."""
    code = text.upper().replace(" ", "")
    if any(c.isdigit() for c in text):
        with _preparing_cursor() as cursor:
            cursor.execute(_code_sql(connection.vendor == "postgresql", ("name",)), {"code": code, "text": text})
            ids = [row[0] for row in cursor.fetchall()]
        if ids:
            return ids, SearchTotals(total=len(ids), more=False)
    if _looks_like_code(code):
        return [], SearchTotals(total=0, more=False)
    return name_hits(text, page=page, count_limit=count_limit)


def name_hits(text: str, *, page: int, count_limit: int) -> tuple[list[int], SearchTotals]:
    """A name search's ids in answer order and its completeness (the index when fresh, else SQL)."""
    return _name_hits(name_index.current(), text, page=page, count_limit=count_limit)


def _name_hits(
    index: name_index.NameIndex | None, text: str, *, page: int, count_limit: int
) -> tuple[list[int], SearchTotals]:
    if index is not None:
        hits = index.search(text, page=page, count_limit=count_limit)
        if not hits.ids:
            return [], SearchTotals(total=0, more=False)
        return hits.ids, search_totals(len(hits.ids), hits.prefixed, hits.contained, page=page, count_limit=count_limit)
    return sql_name_hits(text, page=page, count_limit=count_limit)


def sql_name_hits(text: str, *, page: int, count_limit: int) -> tuple[list[int], SearchTotals]:
    """``name_hits`` from the SQL statement alone (the index's reference)."""
    statements = _search_statements(text, today_local(), columns=("name",), page=page, count_limit=count_limit)
    sql, params, prepare = statements[-1]
    with _preparing_cursor() if prepare else connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [], SearchTotals(total=0, more=False)
    return [row[0] for row in rows], search_totals(
        len(rows), rows[0][-2], rows[0][-1], page=page, count_limit=count_limit
    )


def search_institutions(
    text: str, *, columns: tuple[str, ...], page: int, count_limit: int, today: datetime.date | None = None
) -> tuple[list[Institution], SearchTotals]:
    """The answer as model instances (``columns`` loaded), in answer order, and its completeness."""
    ids, totals = search_ids(text, page=page, count_limit=count_limit)
    found = Institution.objects.only(*columns).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found], totals


# --- the answer's rows: the public columns and the standing facts, one statement by id -------------------------

# The standing facts ``standing.StandingFacts`` takes from related rows, as ``conditions.with_standing`` names them.
FACT_COLUMNS = ("st_blacklisted", "st_inspected_since", "st_latest_result", "st_has_violations")
# The same without the black list, when the name index supplies it (``name_index``: the same definition, read when
# the index was built and kept fresh by change marks).
_FACTS_BUT_BLACKLIST = FACT_COLUMNS[1:]


class _Slot:
    """A parameter of a statement compiled once, filled in at each execution."""

    def __init__(self, name: str) -> None:
        self.name = name


def _in_ids(vendor: str) -> RawSQL:
    if vendor == "postgresql":
        # The ids as a one-row subquery: no plan sees them, so PostgreSQL keeps the generic plan (no planning per
        # search; with the array visible it made a custom plan every time: 0.3 ms of a 0.5 ms statement).
        return RawSQL("SELECT unnest((SELECT %s::bigint[]))", (_Slot("ids"),))
    return RawSQL("SELECT value FROM json_each(%s)", (_Slot("ids"),))


@functools.lru_cache(maxsize=16)
def _page_statement(
    vendor: str, today: datetime.date, columns: tuple[str, ...], by_code: bool, facts: tuple[str, ...] = FACT_COLUMNS
) -> tuple[str, tuple[Any, ...], dict[int, str]]:
    """The rows of a page of institutions with their standing ``facts``: the registry's own queryset
    (``conditions.with_standing``), compiled once per day and shape (compiling it cost more than running it)."""
    if by_code:
        code_slots = (_Slot("code"), _Slot("text"))
        if vendor == "postgresql":
            hits = RawSQL(
                "SELECT id FROM registry_institution WHERE uscc = (SELECT %s::text)"
                " OR licence_no = (SELECT %s::text) LIMIT 2",
                code_slots,
            )
        else:
            hits = RawSQL("SELECT id FROM registry_institution WHERE uscc = %s OR licence_no = %s LIMIT 2", code_slots)
    else:
        hits = _in_ids(vendor)
    qs = conditions.with_standing(Institution.objects.filter(pk__in=hits).order_by(), today)
    sql, params = qs.values_list("pk", *columns, *facts).query.sql_with_params()
    if vendor == "postgresql":
        sql, params = _inline_constants(sql, tuple(params))
    slots = {n: p.name for n, p in enumerate(params) if isinstance(p, _Slot)}
    return sql, tuple(params), slots


_PLACEHOLDER = re.compile(r"%%|%s")


def _inline_constants(sql: str, params: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The statement with its constant parameters (today's date, the rules' thresholds...) written in as SQL
    literals, quoted by psycopg; only the slots stay parameters. The statement is the day's (compiled once a day),
    so nothing else changes; each run then binds one or two values instead of ~20 (converting and sending them
    was a fifth of the answer's database call in Python)."""
    from psycopg import sql as pg_sql

    connection.ensure_connection()
    raw = connection.connection
    kept: list[Any] = []
    values = iter(params)

    def replace(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        value = next(values)
        if isinstance(value, _Slot):
            kept.append(value)
            return "%s"
        return pg_sql.Literal(value).as_string(raw).replace("%", "%%")

    return _PLACEHOLDER.sub(replace, sql), tuple(kept)


def _run_page(
    sql: str, params: tuple[Any, ...], slots: dict[int, str], values: dict[str, Any]
) -> list[tuple[Any, ...]]:
    bound = [values[slots[n]] if n in slots else p for n, p in enumerate(params)]
    with _preparing_cursor() as cursor:
        cursor.execute(sql, bound)
        return list(cursor.fetchall())


def _with_blacklist(rows: list[tuple[Any, ...]], at: int, blacklisted: frozenset[int] | None) -> list[tuple[Any, ...]]:
    """Rows read without the black-list fact (``blacklisted`` known) with it put back at ``at``."""
    if blacklisted is None:
        return rows
    return [(*row[:at], row[0] in blacklisted, *row[at:]) for row in rows]


def page_rows(
    ids: list[int], *, columns: tuple[str, ...], today: datetime.date, blacklisted: frozenset[int] | None = None
) -> list[tuple[Any, ...]]:
    """(id, ``columns``..., ``FACT_COLUMNS``...) of these institutions, in the order of ``ids`` (one statement).

    ``blacklisted``: the ids on the black list today, when the caller knows them (the name index's set): the
    statement then leaves that fact out. None: the statement reads it."""
    if not ids:
        return []
    vendor = connection.vendor
    facts = FACT_COLUMNS if blacklisted is None else _FACTS_BUT_BLACKLIST
    sql, params, slots = _page_statement(vendor, today, columns, False, facts)
    rows = _run_page(sql, params, slots, {"ids": list(ids) if vendor == "postgresql" else json.dumps(list(ids))})
    position = {pk: n for n, pk in enumerate(ids)}
    rows.sort(key=lambda row: position[row[0]])
    return _with_blacklist(rows, 1 + len(columns), blacklisted)


def search_page_rows(
    text: str, *, columns: tuple[str, ...], page: int, count_limit: int, today: datetime.date | None = None
) -> tuple[list[tuple[Any, ...]], SearchTotals]:
    """The answer's rows (``page_rows``' tuples; ``columns`` must hold name and uscc) and its completeness. An
    exact code is answered by one statement, a name by the hits and one statement. When this process's name index
    is fresh, the names and the black list come from it (the same answer as SQL's: tests compare them)."""
    today = today or today_local()
    index = name_index.current()
    blacklisted = index.blacklisted_on(today) if index is not None else None
    code = text.upper().replace(" ", "")
    if any(c.isdigit() for c in text):
        facts = FACT_COLUMNS if blacklisted is None else _FACTS_BUT_BLACKLIST
        sql, params, slots = _page_statement(connection.vendor, today, columns, True, facts)
        rows = _run_page(sql, params, slots, {"code": code, "text": text})
        if rows:
            name, uscc = 1 + columns.index("name"), 1 + columns.index("uscc")
            rows.sort(key=lambda row: (row[name], row[uscc]))
            return _with_blacklist(rows, 1 + len(columns), blacklisted), SearchTotals(total=len(rows), more=False)
    if _looks_like_code(code):
        return [], SearchTotals(total=0, more=False)
    ids, totals = _name_hits(index, text, page=page, count_limit=count_limit)
    rows = page_rows(ids, columns=columns, today=today, blacklisted=blacklisted)
    return rows, totals if rows else SearchTotals(total=0, more=False)


def normalise(q: str, max_chars: int = 64) -> str:
    """A query as the search compares it: its search form, trimmed, at most ``max_chars`` characters."""
    return search_form(q or "").strip()[:max_chars]


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
