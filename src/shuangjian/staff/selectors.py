"""Every read of the staff app a person sees, already restricted to what the caller may see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shuangjian.core import access
from shuangjian.core.models import User
from shuangjian.core.pagination import IdsFirstQuerySet
from shuangjian.core.permissions import is_county_staff, is_operator, is_regulating_staff
from shuangjian.core.scope import scope_queryset
from shuangjian.registry.models import Institution, Subject
from shuangjian.schools.models import RosterEntry

from .models import Employment, EmploymentFlag, FlagCode, Person, PersonBlacklist, Qualification, QualificationKind


def operator_institution(user: User | AnonymousUser | None) -> Institution | None:
    """The institution an operator account manages, or None for anyone else (core.access, typed)."""
    institution: Institution | None = access.operator_institution(user)
    return institution


def current_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    """Employments not ended by ``today`` (an end date in the future still counts as current)."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": today})


def employments_for_user(user: User | AnonymousUser | None) -> QuerySet[Employment]:
    """Employments the caller may see: an operator's own institution's, a regulator's county's."""
    # Page ids first: a county is ~20 000 employments at 200 000 institutions, which PostgreSQL otherwise joined to
    # their people and institutions before sorting for a page of 50.
    qs: QuerySet[Employment] = (
        IdsFirstQuerySet(Employment)
        .select_related("person", "institution")
        .prefetch_related(
            Prefetch("flags", queryset=EmploymentFlag.objects.filter(resolved_at__isnull=True), to_attr="open_flags"),
            Prefetch("person__qualifications", queryset=Qualification.objects.order_by("kind", "number")),
        )
    )
    if user is None or not user.is_authenticated:
        return qs.none()
    assert isinstance(user, User)
    if user.is_platform_admin:
        return qs
    if is_operator(user):
        institution = operator_institution(user)
        return qs.filter(institution=institution) if institution else qs.none()
    if is_county_staff(user):
        return scope_queryset(qs, user)
    return qs.none()


def employment_for_user(user: User | AnonymousUser | None, pk: int | str) -> Employment:
    try:
        return employments_for_user(user).get(pk=pk)
    except (Employment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def filter_employments(qs: QuerySet[Employment], params: Any) -> QuerySet[Employment]:
    """List filters: q (name, full resident ID or institution), role, current only, flagged only, uncertified."""
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(person__name__contains=q) | Q(person__resident_id=q.upper()) | Q(institution__name__contains=q)
        )
    role = params.get("role") or ""
    if role:
        qs = qs.filter(role=role)
    if params.get("current"):
        qs = qs.filter(current_q())
    if params.get("flagged"):
        qs = qs.filter(Exists(EmploymentFlag.objects.filter(employment=OuterRef("pk"), resolved_at__isnull=True)))
    if params.get("uncertified"):
        # Trainers holding no certificate at all (the subject-matching rule is checked on every write).
        qs = qs.filter(role="trainer").exclude(Exists(Qualification.objects.filter(person=OuterRef("person_id"))))
    return qs.order_by("-start", "-pk")


def flags_for_user(user: User | AnonymousUser | None) -> QuerySet[EmploymentFlag]:
    """Flagged employments a regulator may see (their county's), newest first."""
    qs = EmploymentFlag.objects.select_related(
        "employment", "employment__person", "employment__institution", "roster_entry", "roster_entry__school"
    )
    if user is None or not user.is_authenticated:
        return qs.none()
    assert isinstance(user, User)
    if not is_regulating_staff(user):
        return qs.none()
    return scope_queryset(qs, user)


def flag_counts(qs: QuerySet[EmploymentFlag]) -> dict[str, Any]:
    open_qs = qs.filter(resolved_at__isnull=True)
    by_code = {row["code"]: row["n"] for row in open_qs.order_by().values("code").annotate(n=Count("pk"))}
    return {
        "open": sum(by_code.values()),
        "resolved": qs.filter(resolved_at__isnull=False).count(),
        "by_code": [(label, by_code.get(value, 0)) for value, label in FlagCode.choices],
    }


def blacklist_for_user(user: User | AnonymousUser | None) -> QuerySet[PersonBlacklist]:
    """The person black list entries a regulator manages (published in their jurisdiction)."""
    qs = PersonBlacklist.objects.select_related("publisher", "lifted_by")
    if user is None or not user.is_authenticated:
        return qs.none()
    assert isinstance(user, User)
    if not is_regulating_staff(user):
        return qs.none()
    return scope_queryset(qs, user)


def person_for_operator(user: User, pk: int | str) -> Person:
    """A person the operator's institution employs (or has employed); anyone else is a 404."""
    institution = operator_institution(user)
    if institution is None:
        raise Http404
    try:
        return Person.objects.filter(employments__institution=institution).distinct().get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- lookups used by the services (not scoped: the rules are national) -----------------------------------------


def active_blacklist_ids(resident_ids: Iterable[str], today: datetime.date | None = None) -> set[str]:
    """The resident IDs among ``resident_ids`` barred today (限制从业 in force and not lifted)."""
    today = today or timezone.localdate()
    ids = [r for r in resident_ids if r]
    if not ids:
        return set()
    rows = PersonBlacklist.objects.filter(resident_id__in=ids, lifted_at__isnull=True, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )
    return set(rows.values_list("resident_id", flat=True))


def in_service_schools(resident_ids: Iterable[str]) -> dict[str, list[str]]:
    """For each resident ID on a school's current in-service roster, the names of those schools."""
    ids = [r for r in resident_ids if r]
    found: dict[str, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = RosterEntry.objects.filter(resident_id__in=ids, roster__is_current=True).values_list(
        "resident_id", "school__name"
    )
    for rid, school in rows:
        found[rid].append(school)
    return found


# --- public -------------------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张* / 欧阳** : the family name (first character) shown, the rest starred."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def public_trainers_for_institution(institution: Institution) -> list[dict[str, str]]:
    """The institution's current trainers for its public page: masked name, certificate number, subject or field.

    One row per certificate that a current trainer holds (teacher certificates first); a trainer without any
    certificate is listed with an empty number so the public sees the gap. RULES.md: certificate numbers of
    subject-type trainers are published (意见 §13).
    """
    subjects = dict(Subject.choices)
    employments = (
        Employment.objects.filter(institution=institution, role="trainer")
        .filter(current_q())
        .select_related("person")
        .prefetch_related(Prefetch("person__qualifications", queryset=Qualification.objects.order_by("kind", "number")))
        .order_by("person__name", "pk")
    )
    rows: list[dict[str, str]] = []
    seen: set[int] = set()
    for e in employments:
        if e.person_id in seen:
            continue
        seen.add(e.person_id)
        certs = list(e.person.qualifications.all())
        if not certs:
            rows.append({"name": mask_name(e.person.name), "certificate_number": "", "subject": e.subject_labels})
        for c in certs:
            if c.kind == QualificationKind.TEACHER_CERTIFICATE:
                label = str(subjects.get(c.subject, c.subject))
            else:
                label = c.get_field_display() or c.name
            rows.append({"name": mask_name(e.person.name), "certificate_number": c.number, "subject": label})
    return rows
