"""The public name search answered from memory: every institution's search name, in name order, per process.

A name search needs the first names (in name order) that start with the text, then those that contain it, and
how many match up to a limit (``registry.search``). In SQL the contains step reads the trigram index's posting
lists and visits rows; at 200 000 institutions that was most of a public name search's cost. Here each server
process keeps (id, search name) of every institution sorted by (name, USCC), so

- the names starting with the text are a range found by bisection, already in name order;
- the names containing it are found through a two- and three-character index (each character pair and triple →
  the ranks of the names holding it, ascending): the rarest one's ranks are checked one by one in name order,
  stopping at the limit.

The answer is the one the SQL statement gives (``search._NAME_WITH``): prefix matches first, then the others,
each in name order, and the same counts. Where the SQL statement stops at the count limit among matches found in
no particular order, this one takes the first in name order (the documented answer allows either).

Freshness. Every write path that creates, renames, re-codes or deletes an institution goes through the table
``registry_institution``; database triggers (migration 0009) add a row to ``registry_searchnamechange`` in the
same transaction. A process compares the number and the last id of those rows with the ones its index was
built from, at most every ``SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS`` (default 2); when they differ it stops
using the index at once (searches go to SQL) and builds a new one — in a background thread by default
(``SHUANGJIAN_PUBLIC_SEARCH_INDEX = "background"``), in the request itself with ``"inline"`` (tests: their
data lives in the test's own transaction), never with ``"off"``. The version is read before the names, so a
change committed in between only causes one more build. A renamed institution is found under its new name at the
latest one check interval after the rename commits (plus the build while SQL answers meanwhile: no stale answer).

Black list. The index also carries the ids of the institutions on the black list on the day it was built, read
with the registry's one definition (``conditions.blacklisted_q``, the condition the page statement and the lists
use), so that an answer's page does not evaluate the black list again (at 200 000 institutions that was the
largest part of the page statement: PostgreSQL hashed every current entry on each search). Black-list entries
added, deleted, re-dated or moved to another institution add a change mark as well (triggers, migration 0010),
so a change of membership is seen within the same check interval as a rename; membership also changes when an
entry's period starts or ends, so the set is used only on the day it was computed for (``blacklisted_on``) and a
new day rebuilds the index.

The index holds only names, ids and that set; everything else an answer shows is read from the database by id.
"""

from __future__ import annotations

import bisect
import datetime
import logging
import threading
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .conditions import blacklisted_q
from .models import Institution

logger = logging.getLogger(__name__)

# ASCII letters lowered, the rest unchanged: SQLite's LIKE ignores the case of ASCII letters (only), PostgreSQL's
# does not; the index matches as the database in use does.
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


@dataclass(frozen=True)
class Hits:
    """A name search's answer: ids in answer order, and the two counts ``search.search_totals`` reads."""

    ids: list[int]
    prefixed: int
    contained: int


class NameIndex:
    """(id, search name) of every institution in (name, USCC) order, and its character-pair index."""

    def __init__(
        self,
        rows: Iterable[tuple[int, str, str]],
        version: tuple[int, int],
        *,
        fold_ascii: bool,
        blacklisted: Iterable[int] = (),
        day: datetime.date | None = None,
    ) -> None:
        self.version = version
        self.fold_ascii = fold_ascii
        # Ids of the institutions on the black list on ``day`` (``conditions.blacklisted_q``).
        self.blacklisted = frozenset(blacklisted)
        self.day = day
        self.ids = array("q")
        self.names: list[str] = []
        previous: tuple[str, str] | None = None
        for pk, name, uscc in rows:
            if previous is not None and previous > (name, uscc):
                # The database sorts names in another order than code points (a non-C collation): the answers would
                # not be the SQL statement's, whose order is the database's.
                raise ValueError("the database's name order is not code point order")
            previous = (name, uscc)
            self.ids.append(pk)
            self.names.append(name)
        self.matched = [self.fold(n) for n in self.names] if fold_ascii else self.names
        # Names as matched, sorted, with their ranks: the prefix step's bisection (the same list as ``names`` when
        # nothing is folded).
        if fold_ascii:
            pairs = sorted((m, r) for r, m in enumerate(self.matched))
            self.prefix_keys = [m for m, _r in pairs]
            self.prefix_ranks: list[int] | None = [r for _m, r in pairs]
        else:
            self.prefix_keys = self.names
            self.prefix_ranks = None
        # Every pair and every triple of consecutive characters → the ranks of the names holding it, ascending.
        # Triples because a pair is often common (the "县博" of every county's 博雅...): the rarest triple of a
        # fragment naming a county and a word holds a few hundred names where its rarest pair held thousands.
        postings: dict[str, array[int]] = {}
        for rank, name in enumerate(self.matched):
            for gram in _grams(name):
                found = postings.get(gram)
                if found is None:
                    found = postings[gram] = array("i")
                found.append(rank)
        self.postings = postings

    def blacklisted_on(self, today: datetime.date) -> frozenset[int] | None:
        """The black-listed ids if the set was computed for ``today``, else None (the caller asks the database)."""
        return self.blacklisted if self.day == today else None

    def fold(self, text: str) -> str:
        return text.translate(_ASCII_LOWER) if self.fold_ascii else text

    def prefixed(self, text: str, limit: int) -> list[int]:
        """Ranks of the first ``limit`` names (in name order) starting with ``text``."""
        key = self.fold(text)
        start = bisect.bisect_left(self.prefix_keys, key)
        found: list[int] = []
        keys = self.prefix_keys
        end = len(keys)
        i = start
        if self.prefix_ranks is None:
            while i < end and len(found) < limit and keys[i].startswith(key):
                found.append(i)
                i += 1
            return found
        while i < end and keys[i].startswith(key):  # folded: the range is in folded order; take the first ranks
            found.append(self.prefix_ranks[i])
            i += 1
        return sorted(found)[:limit]

    def contained(self, text: str, limit: int) -> list[int]:
        """Ranks of the first ``limit`` names (in name order) containing ``text`` (2+ characters)."""
        key = self.fold(text)
        lists = []
        for gram in _grams(key):
            ranks = self.postings.get(gram)
            if ranks is None:
                return []
            lists.append(ranks)
        candidates = min(lists, key=len)
        matched = self.matched
        found: list[int] = []
        if len(key) <= 3:  # the key is a gram itself: every candidate holds it
            return list(candidates[:limit])
        for rank in candidates:
            if key in matched[rank]:
                found.append(rank)
                if len(found) >= limit:
                    break
        return found

    def search(self, text: str, *, page: int, count_limit: int) -> Hits:
        """The SQL name statement's answer (``search._NAME_WITH``): at most ``page`` ids, prefix matches first."""
        pre = self.prefixed(text, page + 1)
        if len(pre) > page:
            return Hits(ids=[self.ids[r] for r in pre[:page]], prefixed=len(pre), contained=0)
        con = self.contained(text, count_limit + 1)
        pre_set = set(pre)
        ranks = pre + [r for r in con if r not in pre_set]
        return Hits(ids=[self.ids[r] for r in ranks[:page]], prefixed=len(pre), contained=len(con))


def _grams(text: str) -> set[str]:
    """The pairs and triples of consecutive characters of ``text``."""
    return {text[i : i + 2] for i in range(len(text) - 1)} | {text[i : i + 3] for i in range(len(text) - 2)}


# --- the process's index, kept fresh -----------------------------------------------------------------------------

_VERSION_SQL = "SELECT count(*), coalesce(max(id), 0) FROM registry_searchnamechange"
_NAMES_SQL = "SELECT id, search_name, uscc FROM registry_institution ORDER BY search_name, uscc"


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: NameIndex | None = None
        self.checked_at = float("-inf")
        self.building = False
        self.failed_version: tuple[int, int] | None = None


_state = _State()


def mode() -> str:
    return str(getattr(settings, "SHUANGJIAN_PUBLIC_SEARCH_INDEX", "background"))


def check_seconds() -> float:
    return float(getattr(settings, "SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS", 2))


def reset() -> None:
    """Forget this process's index (tests: rows of an earlier test were rolled back)."""
    with _state.lock:
        _state.index = None
        _state.checked_at = float("-inf")
        _state.failed_version = None


def _read_version() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        count, last = cursor.fetchone()
    return int(count), int(last)


# The triggers of migrations 0009 and 0010 (a table rebuilt by a later SQLite migration would lose them: then no
# index).
_TRIGGERS_SQL = {
    "postgresql": (
        "SELECT count(*) FROM pg_trigger WHERE (tgrelid = 'registry_institution'::regclass"
        " AND tgname IN ('registry_inst_names_stmt', 'registry_inst_names_row'))"
        " OR (tgrelid = 'registry_blacklistentry'::regclass"
        " AND tgname IN ('registry_blacklist_marks_stmt', 'registry_blacklist_marks_row'))",
        4,
    ),
    "sqlite": (
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND ((tbl_name = 'registry_institution'"
        " AND name IN ('registry_inst_names_ins', 'registry_inst_names_del', 'registry_inst_names_row'))"
        " OR (tbl_name = 'registry_blacklistentry'"
        " AND name IN ('registry_blacklist_marks_ins', 'registry_blacklist_marks_del',"
        " 'registry_blacklist_marks_row')))",
        6,
    ),
}


def _blacklisted_ids(today: datetime.date) -> list[int]:
    """Who is on the black list on ``today``: the registry's definition (``conditions.blacklisted_q``)."""
    return list(Institution.objects.filter(blacklisted_q(today)).values_list("pk", flat=True))


def build() -> NameIndex:
    """A new index from the database (the version first: a change committed meanwhile causes one more build).

    ValueError when the index could not answer as SQL does: no change triggers, or a name order other than code
    points."""
    sql, expected = _TRIGGERS_SQL.get(connection.vendor, ("SELECT 0", 1))
    version = _read_version()
    day = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        if cursor.fetchone()[0] != expected:
            raise ValueError("the name change triggers are missing")
        cursor.execute(_NAMES_SQL)
        rows = cursor.fetchall()
    blacklisted = _blacklisted_ids(day)
    return NameIndex(rows, version, fold_ascii=connection.vendor != "postgresql", blacklisted=blacklisted, day=day)


def _build_in_background(version: tuple[int, int]) -> None:
    try:
        started = time.perf_counter()
        index = build()
        with _state.lock:
            _state.index = index
        logger.info("public name index: %d names in %.2f s", len(index.ids), time.perf_counter() - started)
    except ValueError:
        _state.failed_version = version
        logger.warning("public name index: the database does not sort names in code point order; SQL answers")
    except Exception:  # the searches keep going to SQL; the next check tries again
        logger.exception("public name index: build failed")
    finally:
        _state.building = False
        connection.close()  # this thread's own connection


def current() -> NameIndex | None:
    """This process's index if it is known to be fresh (checked within the interval), else None (search in SQL).

    Checks the version when the interval has passed; a changed version (or a new day: the black list it carries is
    a day's) drops the index and starts a new build.
    """
    how = mode()
    if how == "off":
        return None
    now = time.monotonic()
    index = _state.index
    if now - _state.checked_at < check_seconds():
        return index
    version = _read_version()
    _state.checked_at = now
    if index is not None and index.version == version and index.day == timezone.localdate():
        return index
    _state.index = None
    if version == _state.failed_version:
        return None  # the names cannot be indexed as the database orders them; SQL answers
    if how == "inline":
        try:
            index = build()
        except ValueError:
            _state.failed_version = version
            return None
        _state.index = index
        return index if index.version == version else None
    with _state.lock:
        if _state.building:
            return None
        _state.building = True
    threading.Thread(target=_build_in_background, args=(version,), name="public-name-index", daemon=True).start()
    return None
