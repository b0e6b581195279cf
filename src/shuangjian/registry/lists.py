"""White and black lists: who is on them now, and the yearly publication that freezes both.

White list (白名单): as ``standing.WHITELIST_CONDITIONS`` defines it — active, a valid licence, not on a current
black-list entry, latest annual inspection passed and not a zombie, prepaid fees supervised, no violation.
Black list (黑名单): entries whose period covers today. The yearly publication (June, local rule in RULES.md) is
one regulator action: ``list_publish``.

Reads here are the registry's list selectors (staff ones take the acting user and apply the scope); the
single write is ``list_publish``. The portal reads the public selectors in ``shuangjian.portal.selectors``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.audit import audit_record
from shuangjian.core.models import Division, User
from shuangjian.core.permissions import can, require
from shuangjian.core.scope import code_in_scope, code_prefix_q, scope_queryset, user_reach

from . import standing
from .models import (
    BlacklistEntry,
    Category,
    Institution,
    ListKind,
    ListPublication,
    ListPublicationRow,
)

SNAPSHOT_BATCH = 2000


def today_local() -> datetime.date:
    return timezone.localdate()


# --- the rules, as query expressions -------------------------------------------------------------------------


def current_blacklist_q(today: datetime.date, prefix: str = "") -> Q:
    """Black-list entries in force on ``today`` (started, and not yet ended)."""
    q = Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today))
    if prefix:
        q &= code_prefix_q("division_code", prefix)
    return q


def whitelist_queryset(today: datetime.date | None = None) -> QuerySet[Institution]:
    """Every institution on the white list today (no scope applied: callers add it).

    The definition is ``standing.WHITELIST_CONDITIONS``, so the lists, the institution pages and the badges agree.
    """
    return standing.whitelist_queryset(today or today_local())


def blacklist_queryset(today: datetime.date | None = None) -> QuerySet[BlacklistEntry]:
    """Black-list entries in force today, with their institution (no scope applied: callers add it)."""
    today = today or today_local()
    return BlacklistEntry.objects.filter(current_blacklist_q(today)).select_related("institution", "publisher")


@dataclass
class ListStatus:
    """An institution's standing today: on the lists or not, why not, and the summary shown with it."""

    on_whitelist: bool
    on_blacklist: bool
    reasons: list[str] = field(default_factory=list)
    blacklist_entries: list[BlacklistEntry] = field(default_factory=list)
    summary: list[standing.StatusFact] = field(default_factory=list)


def status_from_facts(facts: standing.StandingFacts) -> ListStatus:
    return ListStatus(
        on_whitelist=standing.is_whitelisted(facts),
        on_blacklist=facts.blacklisted,
        reasons=standing.whitelist_reasons(facts),
        summary=standing.status_summary(facts),
    )


def list_status(institution: Institution, today: datetime.date | None = None) -> ListStatus:
    """The white-list rules for one institution, with a reason for each one it fails, and its black-list entries."""
    today = today or today_local()
    facts = standing.standing_facts_for([institution], today)[institution.pk]
    status = status_from_facts(facts)
    if facts.blacklisted:
        status.blacklist_entries = list(
            BlacklistEntry.objects.filter(current_blacklist_q(today), institution=institution)
        )
    return status


# --- staff selectors -----------------------------------------------------------------------------------------


def whitelist_for_user(*, user: User, q: str = "", division: str = "") -> QuerySet[Institution]:
    """The white list inside the user's jurisdiction (regulators, inspectors, platform admins)."""
    require(user, "registry.view_lists")
    qs = scope_queryset(whitelist_queryset(), user)
    if division:
        qs = qs.filter(code_prefix_q("division_code", division))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc=q.upper()) | Q(licence_no=q))
    return qs.order_by("division_code", "name_key", "pk")


class WhitelistRows:
    """The white list of ``whitelist_for_user``, in its order, read one page at a time.

    Asked for the page's rows in one statement, PostgreSQL evaluates the zombie condition (an ``EXISTS`` inside an
    ``OR``) as a hashed subplan that reads every recent annual inspection in the table before the first row: the
    cost of page 1 grew with the register (2.5× at 10× the institutions). Here the candidates (the same scope and
    filters, without the list's conditions) are walked in list order on the ordering index, in chunks, and the
    conditions are asked only for each chunk's ids, where a per-row check is the cheaper plan. Same rows, same
    order; ``count()`` is the list's own count, ``count_up_to`` a capped one (see ``views.lists``).
    """

    ordered = True
    FIRST_CHUNK = 200

    def __init__(self, whitelist: QuerySet[Institution], candidates: QuerySet[Institution], today: datetime.date):
        self.whitelist = whitelist
        self.candidates = candidates
        self.today = today

    @property
    def query(self) -> object:
        return self.whitelist.query

    def count(self) -> int:
        return int(self.whitelist.count())

    def count_up_to(self, limit: int) -> int:
        """The list's rows counted no further than ``limit`` (``CappedCountPaginator``): one statement that stops at
        ``limit`` white-listed rows. (Counting by the chunked walk of a page cost 2–5× more: the zombie condition's
        hashed subplan is paid once here, once per chunk there.)"""
        return int(self.whitelist.order_by().values("pk")[:limit].count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Institution]:
        if not isinstance(key, slice) or (key.step or 1) != 1:
            raise TypeError("WhitelistRows takes a slice")
        start, stop = max(key.start or 0, 0), key.stop
        if stop is not None and stop <= start:
            return []
        wanted = None if stop is None else stop - start
        chosen: list[Institution] = []
        seen = 0  # white-listed rows walked past so far
        offset, chunk = 0, self.FIRST_CHUNK
        ids = self.candidates.values_list("pk", flat=True)
        while wanted is None or len(chosen) < wanted:
            batch = list(ids[offset : offset + chunk])
            if not batch:
                break
            passing = {i.pk: i for i in standing.whitelist_queryset(self.today).filter(pk__in=batch)}
            for pk in batch:
                if pk not in passing:
                    continue
                if seen >= start:
                    chosen.append(passing[pk])
                    if wanted is not None and len(chosen) == wanted:
                        break
                seen += 1
            if len(batch) < chunk:
                break  # the candidates ran out: no statement to learn that there are no more
            offset += len(batch)
            chunk = self.next_chunk(found=seen, walked=offset, target=None if stop is None else stop)
        return chosen

    def next_chunk(self, *, found: int, walked: int, target: int | None) -> int:
        """How many candidates to ask about next: enough, at the pass rate seen so far, to reach ``target``
        white-listed rows with a margin (a quarter more, and 20), between 50 and 5 000. Doubling instead asked about
        400 more candidates when a page lacked five rows (half the statement's cost at a county's list)."""
        if target is None or walked == 0:
            return 5000
        rate = max(found, 1) / walked
        return max(50, min(5000, int((target - found) / rate * 1.25) + 20))


def whitelist_rows_for_user(*, user: User, q: str = "", division: str = "") -> WhitelistRows:
    """``whitelist_for_user`` for a list page: see ``WhitelistRows``."""
    today = today_local()
    whitelist = whitelist_for_user(user=user, q=q, division=division)
    candidates = scope_queryset(Institution.objects.all(), user)
    if division:
        candidates = candidates.filter(code_prefix_q("division_code", division))
    if q:
        candidates = candidates.filter(Q(name__contains=q) | Q(uscc=q.upper()) | Q(licence_no=q))
    return WhitelistRows(whitelist, candidates.order_by("division_code", "name_key", "pk"), today)


def blacklist_for_user(*, user: User, q: str = "", division: str = "") -> QuerySet[BlacklistEntry]:
    """Black-list entries in force inside the user's jurisdiction."""
    require(user, "registry.view_lists")
    qs = scope_queryset(blacklist_queryset(), user)
    if division:
        qs = qs.filter(code_prefix_q("division_code", division))
    if q:
        qs = qs.filter(Q(institution__name__contains=q) | Q(institution__uscc=q.upper()))
    return qs.order_by("-start", "pk")


def _covering_prefixes(code: str) -> list[str]:
    """The codes of the divisions above and including ``code`` on the 2/4/6/9-digit ladder."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def publications_for_user(*, user: User) -> QuerySet[ListPublication]:
    """Publications for the user's area and the areas above it (a county sees its city's publication)."""
    require(user, "registry.view_lists")
    reach = user_reach(user)
    qs = ListPublication.objects.select_related("publisher")
    if reach is None:
        return qs.none()
    if reach:
        qs = qs.filter(Q(division_code__startswith=reach) | Q(division_code__in=_covering_prefixes(reach)))
    return qs.order_by("-year", "division_code")


# --- the publication -----------------------------------------------------------------------------------------


def _category_label(inst: Institution) -> str:
    if inst.category == Category.SUBJECT:
        return str(Category.SUBJECT.label)
    label = str(Category.NON_SUBJECT.label)
    return f"{label}（{inst.get_field_display()}）" if inst.field else label


def _white_rows(publication: ListPublication, prefix: str, today: datetime.date) -> Iterator[ListPublicationRow]:
    qs = (
        whitelist_queryset(today)
        .filter(code_prefix_q("division_code", prefix))
        .order_by("division_code", "name_key", "pk")
    )
    for inst in qs.iterator(chunk_size=SNAPSHOT_BATCH):
        yield ListPublicationRow(
            publication=publication,
            kind=ListKind.WHITE,
            institution=inst,
            name=inst.name,
            uscc=inst.uscc,
            category=_category_label(inst),
            licence_no=inst.licence_no or "",
            address=inst.address,
            division_code=inst.division_code,
        )


def _black_rows(publication: ListPublication, prefix: str, today: datetime.date) -> Iterator[ListPublicationRow]:
    qs = (
        BlacklistEntry.objects.filter(current_blacklist_q(today, prefix))
        .select_related("institution")
        .order_by("division_code", "-start", "pk")
    )
    for entry in qs.iterator(chunk_size=SNAPSHOT_BATCH):
        inst = entry.institution
        yield ListPublicationRow(
            publication=publication,
            kind=ListKind.BLACK,
            institution=inst,
            name=inst.name,
            uscc=inst.uscc,
            category=_category_label(inst),
            licence_no=inst.licence_no or "",
            address=inst.address,
            division_code=entry.division_code,
            reason=entry.reason,
            legal_basis=entry.legal_basis,
            start=entry.start,
            end=entry.end,
            listed_by=entry.get_department_display(),
        )


def _bulk_insert(rows: Iterator[ListPublicationRow]) -> int:
    count = 0
    batch: list[ListPublicationRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= SNAPSHOT_BATCH:
            ListPublicationRow.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        ListPublicationRow.objects.bulk_create(batch)
        count += len(batch)
    return count


@transaction.atomic
def list_publish(*, actor: User, year: int, division_code: str = "", note: str = "") -> ListPublication:
    """Publish the white and black lists of a city or county for ``year``: one action, both lists frozen.

    Only an education regulator (or a platform administrator) publishes, for a city (4-digit) or county
    (6-digit) code inside their scope; a second publication of the same year and area is refused.
    """
    require(actor, "registry.view_publications")
    if not can(actor, "registry.publish_lists"):
        raise ValidationError(_("黑白名单由教育行政部门发布。"), code="not_education")
    code = (division_code or actor.scope_code or "").strip()
    if len(code) not in (4, 6) or not code.isdigit():
        raise ValidationError(_("请选择市或县（区）发布名单。"), code="bad_division")
    if not code_in_scope(actor, code):
        raise ValidationError(_("该区划不在您的管辖范围内。"), code="out_of_scope")
    division = Division.objects.filter(code=code).first()
    if year < 2000 or year > today_local().year + 1:
        raise ValidationError(_("年度不正确。"), code="bad_year")
    if ListPublication.objects.filter(year=year, division_code=code).exists():
        raise ValidationError(
            _("%(year)d 年度%(name)s的黑白名单已经发布，不能重复发布。")
            % {"year": year, "name": division.name if division else code},
            code="already_published",
        )
    today = today_local()
    try:
        with transaction.atomic():
            publication = ListPublication.objects.create(
                year=year,
                division_code=code,
                division_name=division.name if division else "",
                published_at=timezone.now(),
                publisher=actor,
                publisher_department=actor.get_department_display() if actor.department else "",
                note=note,
            )
    except IntegrityError:
        # Two regulators pressed the button at once: the unique constraint keeps one publication.
        raise ValidationError(_("该年度名单已经发布，不能重复发布。"), code="already_published")
    publication.whitelist_count = _bulk_insert(_white_rows(publication, code, today))
    publication.blacklist_count = _bulk_insert(_black_rows(publication, code, today))
    publication.save(update_fields=["whitelist_count", "blacklist_count"])
    audit_record(
        actor=actor,
        action="registry.list_publish",
        obj=publication,
        division_code=code,
        after={
            "year": year,
            "division_code": code,
            "whitelist_count": publication.whitelist_count,
            "blacklist_count": publication.blacklist_count,
        },
    )
    return publication
