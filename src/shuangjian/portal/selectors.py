"""Public reads: only what the public may see about an institution, never people's private data.

No database ids, no legal representative's identity number or anyone's personal phone; the institution's own
phone number is public. Everything returned here is safe to print on the portal and in the public API.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shuangjian.core.models import Division
from shuangjian.registry.lists import (
    ListStatus,
    blacklist_queryset,
    list_status,
    today_local,
    whitelist_queryset,
)
from shuangjian.registry.models import (
    BlacklistEntry,
    Institution,
    InstitutionStatus,
    ListKind,
    ListPublication,
    ListPublicationRow,
    Subject,
)

SEARCH_MIN_CHARS = 2
SEARCH_MAX_RESULTS = 20

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


def search_institutions(q: str) -> list[Institution]:
    """Up to 20 institutions matching a name, USCC or licence number; exact code matches first.

    Exact USCC and licence lookups use their unique indexes; names match by prefix first, then anywhere in the
    name (a trigram index on PostgreSQL keeps that fast at hundreds of thousands of rows).
    """
    text = normalise_query(q)
    if len(text) < SEARCH_MIN_CHARS:
        return []
    base = Institution.objects.only(*PUBLIC_FIELDS)
    found: list[Institution] = list(base.filter(Q(uscc=text.upper().replace(" ", "")) | Q(licence_no=text))[:2])
    seen = {i.uscc for i in found}
    for qs in (base.filter(name__startswith=text), base.filter(name__contains=text)):
        if len(found) >= SEARCH_MAX_RESULTS:
            break
        for inst in qs.order_by("name", "uscc")[: SEARCH_MAX_RESULTS + len(seen)]:
            if inst.uscc not in seen:
                found.append(inst)
                seen.add(inst.uscc)
            if len(found) >= SEARCH_MAX_RESULTS:
                break
    return found


def institution_by_uscc(uscc: str) -> Institution:
    try:
        return Institution.objects.only(*PUBLIC_FIELDS).get(uscc=normalise_query(uscc).upper())
    except Institution.DoesNotExist:
        raise Http404


def licence_status(inst: Institution, today: datetime.date) -> tuple[str, str]:
    """(code, Chinese label) of the licence as the public should read it."""
    if not inst.licence_no:
        return "none", _("未取得办学许可证")
    if inst.status == InstitutionStatus.REVOKED:
        return "revoked", _("办学许可证已吊销")
    if inst.status == InstitutionStatus.DEREGISTERED:
        return "deregistered", _("已注销")
    if inst.licence_expires_on and inst.licence_expires_on < today:
        return "expired", _("办学许可证已过期")
    return "valid", _("有效")


def published_penalties(inst: Institution) -> list[dict[str, Any]]:
    """Published administrative penalties of the institution.

    TODO(enforcement issue: penalty cases and exposure): the enforcement app does not exist yet; when it does,
    return its published cases here (decision number, date, violation, penalty). Until then: none.
    """
    return []


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
    whitelist_reasons: list[str] = field(default_factory=list)
    blacklist: list[dict[str, Any]] = field(default_factory=list)
    penalties: list[dict[str, Any]] = field(default_factory=list)


def list_flags(institutions: list[Institution]) -> dict[int, tuple[bool, bool]]:
    """(on white list, on black list) for many institutions in two queries, for result lists."""
    ids = [i.pk for i in institutions]
    white = set(whitelist_queryset().filter(pk__in=ids).values_list("pk", flat=True))
    black = set(blacklist_queryset().filter(institution_id__in=ids).values_list("institution_id", flat=True))
    return {pk: (pk in white, pk in black) for pk in ids}


def public_profile(
    inst: Institution,
    *,
    division_names: dict[str, str] | None = None,
    flags: tuple[bool, bool] | None = None,
) -> PublicProfile:
    """What the portal and the public API say about one institution.

    With ``flags`` (from ``list_flags``) it is the short form for result lists: no reasons, entries or penalties.
    """
    today = today_local()
    code, label = licence_status(inst, today)
    subject_labels = dict(Subject.choices)
    if division_names is None:
        division_names = dict(Division.objects.filter(code=inst.division_code).values_list("code", "name"))
    detail = flags is None
    status = list_status(inst, today) if flags is None else ListStatus(on_whitelist=flags[0], on_blacklist=flags[1])
    return PublicProfile(
        name=inst.name,
        uscc=inst.uscc,
        category=inst.category,
        category_label=inst.get_category_display(),
        field_label=inst.get_field_display() if inst.field else "",
        subjects=[str(subject_labels.get(s, s)) for s in (inst.licensed_subjects or [])],
        status=inst.status,
        status_label=inst.get_status_display(),
        licence_status=code,
        licence_status_label=label,
        licence_no=inst.licence_no or "",
        licence_expires_on=inst.licence_expires_on,
        address=inst.address,
        division_code=inst.division_code,
        division_name=division_names.get(inst.division_code, ""),
        phone=inst.phone,
        training_format_label=inst.get_training_format_display(),
        supervision_mode=inst.supervision_mode,
        supervision_mode_label=inst.get_supervision_mode_display(),
        supervised=inst.supervision_mode != "none",
        on_whitelist=status.on_whitelist,
        on_blacklist=status.on_blacklist,
        whitelist_reasons=status.reasons,
        blacklist=[blacklist_public(e) for e in status.blacklist_entries] if detail else [],
        penalties=published_penalties(inst) if detail else [],
    )


def blacklist_public(entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "start": entry.start,
        "end": entry.end,
        "department": entry.get_department_display(),
    }


def division_names_for(institutions: list[Institution]) -> dict[str, str]:
    codes = {i.division_code for i in institutions}
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


# --- public lists ----------------------------------------------------------------------------------------------


def public_whitelist(*, q: str = "", division: str = "") -> QuerySet[Institution]:
    qs = whitelist_queryset().only(*PUBLIC_FIELDS)
    if division:
        qs = qs.filter(division_code__startswith=division)
    text = normalise_query(q)
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(uscc=text.upper()) | Q(licence_no=text))
    return qs.order_by("division_code", "name", "uscc")


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
