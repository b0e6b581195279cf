"""An institution's standing: the facts about it a person must see, worst first, and the white list they imply.

One summary per institution, shown everywhere (public card, search results, lists, the regulator's and the
operator's pages) through one template partial (``registry/_standing.html``): the first badge is the worst fact,
and the green "白名单 / 正常办学" pair appears only when nothing worse is true.

White-list membership is defined once, here, as a table of conditions. Each condition has a query form (for list
filters) and a Python form (over ``StandingFacts``, for one institution or a page of them); ``whitelist_q`` and
``is_whitelisted`` are both built from the table, and a test holds them equal over the demo city. The definition
is the one the public list states: 正常办学, a valid licence, not on the black list, latest annual inspection passed
(and not two years without one), prepaid fees under supervision, no recorded violation.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import conditions, rules
from .models import Institution, InstitutionStatus, SupervisionMode


@dataclass(frozen=True)
class StandingFacts:
    """What the standing is computed from: the institution's columns and four facts from related rows."""

    status: str
    licence_no: str | None
    licence_issued_on: datetime.date | None
    licence_expires_on: datetime.date | None
    supervision_mode: str
    blacklisted: bool
    inspected_since: bool  # any annual inspection in the zombie window
    latest_result: str | None  # result of the latest annual inspection; None: never inspected
    has_violations: bool

    @property
    def licence_valid(self) -> bool:
        return bool(self.licence_no) and not self.licence_expired

    @property
    def licence_expired(self) -> bool:
        return bool(self.licence_no) and self.licence_expires_on is not None and self.licence_expires_on < self.today

    # Set by ``facts_of``; a dataclass field would make every caller pass it.
    today: datetime.date = datetime.date.min

    @property
    def zombie(self) -> bool:
        return rules.is_zombie(
            status=self.status,
            inspection_years=[self.today.year] if self.inspected_since else [],
            licence_issued_on=self.licence_issued_on,
            today=self.today,
        )


def facts_of(inst: Institution, today: datetime.date) -> StandingFacts:
    """The facts of an institution fetched through ``conditions.with_standing`` (annotations ``st_*``)."""
    return StandingFacts(
        status=inst.status,
        licence_no=inst.licence_no,
        licence_issued_on=inst.licence_issued_on,
        licence_expires_on=inst.licence_expires_on,
        supervision_mode=inst.supervision_mode,
        blacklisted=bool(inst.st_blacklisted),  # type: ignore[attr-defined]
        inspected_since=bool(inst.st_inspected_since),  # type: ignore[attr-defined]
        latest_result=inst.st_latest_result,  # type: ignore[attr-defined]
        has_violations=bool(inst.st_has_violations),  # type: ignore[attr-defined]
        today=today,
    )


def standing_facts_for(institutions: Iterable[Institution], today: datetime.date) -> dict[int, StandingFacts]:
    """Facts for a page of institutions in one query (by primary key)."""
    ids = [i.pk for i in institutions]
    if not ids:
        return {}
    rows = conditions.with_standing(
        Institution.objects.filter(pk__in=ids).only(
            "status", "licence_no", "licence_issued_on", "licence_expires_on", "supervision_mode"
        ),
        today,
    )
    return {inst.pk: facts_of(inst, today) for inst in rows}


# --- the white list, defined once -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition of the white list: its reason when unmet, and the same test as a query and in Python."""

    code: str
    unmet: Promise
    query: Callable[[datetime.date], Q]
    holds: Callable[[StandingFacts], bool]


def _licence_valid_q(today: datetime.date) -> Q:
    return (
        Q(licence_no__isnull=False)
        & ~Q(licence_no="")
        & (Q(licence_expires_on__isnull=True) | Q(licence_expires_on__gte=today))
    )


WHITELIST_CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "active",
        _("机构不处于正常办学状态"),
        lambda today: Q(status=InstitutionStatus.ACTIVE),
        lambda f: f.status == InstitutionStatus.ACTIVE,
    ),
    Condition("licence", _("未持有有效的办学许可证"), _licence_valid_q, lambda f: f.licence_valid),
    Condition(
        "not_blacklisted", _("列入黑名单"), lambda today: ~conditions.blacklisted_q(today), lambda f: not f.blacklisted
    ),
    Condition("not_zombie", _("连续两年未年检"), lambda today: ~conditions.zombie_q(today), lambda f: not f.zombie),
    Condition(
        "inspection_passed",
        _("最近一次年检未合格或尚未年检"),
        lambda today: conditions.latest_inspection_passed_q(),
        lambda f: f.latest_result in conditions.PASSING_RESULTS,
    ),
    Condition(
        "supervised",
        _("预收费尚未纳入监管"),
        lambda today: ~Q(supervision_mode=SupervisionMode.NONE),
        lambda f: f.supervision_mode != SupervisionMode.NONE,
    ),
    Condition(
        "no_violations",
        _("存在违规记录"),
        lambda today: ~conditions.violations_q(today),
        lambda f: not f.has_violations,
    ),
)


def whitelist_conditions_q(today: datetime.date) -> Q:
    q = Q()
    for condition in WHITELIST_CONDITIONS:
        q &= condition.query(today)
    return q


def whitelist_reasons(facts: StandingFacts) -> list[str]:
    """Why the institution is not on the white list (empty: it is)."""
    return [str(c.unmet) for c in WHITELIST_CONDITIONS if not c.holds(facts)]


def is_whitelisted(facts: StandingFacts) -> bool:
    return all(c.holds(facts) for c in WHITELIST_CONDITIONS)


def whitelist_queryset(today: datetime.date) -> QuerySet[Institution]:
    return Institution.objects.filter(whitelist_conditions_q(today))


# --- the summary, worst first -------------------------------------------------------------------------------------

# Tones are Bootstrap badge classes; ``positive`` facts are shown only when no other fact is.
DARK, DANGER, WARNING, NOTE, INFO, POSITIVE = "dark", "danger", "warning", "secondary", "info", "success"


@dataclass(frozen=True)
class StatusFact:
    code: str
    label: str
    tone: str
    rank: int  # lower is worse; the summary is sorted by it

    @property
    def positive(self) -> bool:
        return self.tone == POSITIVE

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "tone": self.tone}


# The order of severity: black list, licence gone, closed, unlicensed, not enrolling, zombie, violations,
# failed or missing inspection, fees unsupervised; only then the good news.
_FACTS: dict[str, tuple[Promise, str]] = {
    "blacklisted": (_("黑名单"), DARK),
    "revoked": (_("办学许可证已吊销"), DANGER),
    "deregistered": (_("已注销"), DANGER),
    "stopped": (_("停止办学"), DANGER),
    "applying": (_("未取得办学许可证（申请中）"), DANGER),
    "unlicensed": (_("未取得办学许可证"), DANGER),
    "licence_expired": (_("办学许可证已过期"), DANGER),
    "suspended": (_("停止招生"), WARNING),
    "zombie": (_("僵尸机构（连续两年未年检）"), WARNING),
    "violations": (_("有违规"), WARNING),
    "inspection_failed": (_("最近一次年检不合格"), WARNING),
    "not_inspected": (_("尚无年检记录"), NOTE),
    "unsupervised": (_("预收费未纳入监管"), NOTE),
    "whitelisted": (_("白名单"), POSITIVE),
    "normal": (_("正常办学 · 许可证有效"), POSITIVE),
}
_RANK = {code: n for n, code in enumerate(_FACTS)}
_CLOSED = {
    InstitutionStatus.REVOKED: "revoked",
    InstitutionStatus.DEREGISTERED: "deregistered",
    InstitutionStatus.STOPPED: "stopped",
}


def _fact(code: str) -> StatusFact:
    return _fact_in(code, get_language())


@functools.lru_cache(maxsize=256)
def _fact_in(code: str, language: str | None) -> StatusFact:
    """A fact with its label in ``language``, made once per process (every search result shows a few of them;
    looking the label up again for each cost a tenth of a public search's Python)."""
    label, tone = _FACTS[code]
    return StatusFact(code, str(label), tone, _RANK[code])


def status_summary(facts: StandingFacts) -> list[StatusFact]:
    """Every fact that holds, worst first. The positive pair only when nothing else holds, which is exactly when
    the institution is on the white list (a test holds the two equal)."""
    codes: list[str] = []
    if facts.blacklisted:
        codes.append("blacklisted")
    closed = _CLOSED.get(facts.status)  # type: ignore[call-overload]
    if closed:
        codes.append(closed)
    elif facts.status == InstitutionStatus.APPLYING:
        codes.append("applying")
    else:  # running (active or not enrolling): what a parent and a regulator must know about it
        if not facts.licence_no:
            codes.append("unlicensed")
        elif facts.licence_expired:
            codes.append("licence_expired")
        if facts.status == InstitutionStatus.SUSPENDED:
            codes.append("suspended")
        if facts.zombie:
            codes.append("zombie")
        if facts.has_violations:
            codes.append("violations")
        if facts.latest_result == "failed":
            codes.append("inspection_failed")
        elif facts.latest_result is None:
            codes.append("not_inspected")
        if facts.supervision_mode == SupervisionMode.NONE:
            codes.append("unsupervised")
    if not codes:
        codes = ["whitelisted", "normal"]
    return sorted((_fact(c) for c in codes), key=lambda f: f.rank)


# --- the public search's per-row standing, made once per distinct input -----------------------------------------

# A public search answers ten institutions, and each result carries its white-list membership and its summary as
# plain dicts. Most results share them: what decides them is a handful of facts, not the institution. Computing them
# per row (the seven conditions, the facts, their sorting and labels) was most of the Python of building a result.
_PUBLIC_STANDING: dict[tuple[Any, ...], tuple[bool, tuple[dict[str, str], ...]]] = {}
_PUBLIC_STANDING_MAX = 4096  # distinct keys are few (well under a hundred a day); a bound all the same


def _decisive(facts: StandingFacts) -> tuple[Any, ...]:
    """Everything ``is_whitelisted`` and ``status_summary`` read from ``facts``, with the dates reduced to what the
    rules make of them (expired, zombie) and the licence number to whether there is one. A test draws facts at
    random and holds the memo's answer equal to the two functions' (change it with them)."""
    return (
        facts.today,
        facts.status,
        bool(facts.licence_no),
        facts.licence_expired,
        facts.zombie,
        facts.supervision_mode,
        facts.blacklisted,
        facts.latest_result,
        facts.has_violations,
    )


def public_standing(facts: StandingFacts) -> tuple[bool, tuple[dict[str, str], ...]]:
    """(``is_whitelisted``, ``status_summary`` as dicts) of ``facts`` in the active language, made once per distinct
    deciding facts and language. The dicts are shared between answers: read them, do not change them."""
    key = (get_language(), *_decisive(facts))
    found = _PUBLIC_STANDING.get(key)
    if found is None:
        if len(_PUBLIC_STANDING) >= _PUBLIC_STANDING_MAX:
            _PUBLIC_STANDING.clear()  # a new day's keys replace the old ones
        found = _PUBLIC_STANDING[key] = (
            is_whitelisted(facts),
            tuple(f.as_dict() for f in status_summary(facts)),
        )
    return found
