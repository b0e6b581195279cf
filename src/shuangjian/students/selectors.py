"""Every read a person sees in the students app, already restricted to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from shuangjian.core import access
from shuangjian.core.models import User
from shuangjian.core.pagination import CappedCountPaginator, count_up_to
from shuangjian.core.permissions import is_county_staff, is_operator, is_parent, is_school_admin
from shuangjian.core.scope import code_prefix_q, scope_queryset
from shuangjian.courses.models import ClassGroup, Session
from shuangjian.registry.models import Institution
from shuangjian.schools.models import SchoolAdmin

from .models import Attendance, Enrolment, EnrolmentStatus, Student

LIVE_STATUSES = (EnrolmentStatus.PENDING, EnrolmentStatus.ACTIVE)


def operator_institution(user: User | AnonymousUser | None) -> Institution | None:
    """The institution an operator account manages, or None for anyone else (core.access, typed)."""
    institution: Institution | None = access.operator_institution(user)
    return institution


def school_codes_for_user(user: User) -> list[str]:
    """The school codes a school administrator answers for (the schools app's SchoolAdmin link)."""
    if not is_school_admin(user):
        return []
    codes = SchoolAdmin.objects.filter(user=user).values_list("school__code", flat=True)
    return [c for c in codes if c]


def enrolments_for_user(user: User | AnonymousUser | None) -> QuerySet[Enrolment]:
    """Enrolments the caller may see: own children, own institution, own pupils, or the jurisdiction."""
    qs = Enrolment.objects.select_related("student", "class_group", "class_group__course", "institution")
    if user is None or not user.is_authenticated:
        return qs.none()
    assert isinstance(user, User)
    if user.is_platform_admin:
        return qs
    if is_parent(user):
        return qs.filter(student__guardianships__parent=user)
    if is_operator(user):
        institution = operator_institution(user)
        return qs.filter(institution=institution) if institution else qs.none()
    if is_school_admin(user):
        # A school sees its own pupils wherever they train (Nanchang's per-pupil survey), nobody else's.
        codes = school_codes_for_user(user)
        return qs.filter(student__school_code__in=codes) if codes else qs.none()
    if is_county_staff(user):
        return scope_queryset(qs, user)
    return qs.none()


def enrolment_for_user(user: User | AnonymousUser | None, pk: int | str) -> Enrolment:
    try:
        return enrolments_for_user(user).get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def filter_enrolments(qs: QuerySet[Enrolment], params: Any) -> QuerySet[Enrolment]:
    """Apply the list page's filters (q: name / ID / contract no; status; school; institution; grade)."""

    def text(key: str) -> str:
        # NUL cannot reach PostgreSQL; it is never part of a name or code anyway.
        return str(params.get(key) or "").replace("\x00", "").strip()

    q = text("q")
    if q:
        qs = qs.filter(
            Q(student__name__contains=q)
            | Q(student__resident_id=q.upper())
            | Q(student__school_roll_no=q)
            | Q(contract_no=q)
            | Q(institution__name__contains=q)
        )
    status = text("status")
    if status in EnrolmentStatus.values:
        qs = qs.filter(status=status)
    school = text("school")
    if school:
        qs = qs.filter(Q(student__school_code=school) | Q(student__school_name__contains=school))
    grade = text("grade")
    if grade:
        qs = qs.filter(student__grade=grade)
    division = text("division")
    if division.isdigit():
        qs = qs.filter(code_prefix_q("division_code", division))
    return qs.order_by("-created_at", "-pk")


# The list page's header counts this far (``CappedCountPaginator``'s count of the filtered list) and, past it, says
# "more than 1,000" and leaves the pupils, institutions, fees and the per-institution table to a background job
# (``?totals=exact``; students.exports): aggregating a city's or province's enrolments (880,000 at 20,000
# institutions) on every view was the part of the page that grew with the data. A filtered list within the cap
# shows every figure.
TOTALS_CAP = 1000


def enrolment_page(qs: QuerySet[Enrolment], page_number: Any, *, per_page: int = 50) -> Page[Enrolment]:
    """One page of ``qs``, its total counted no further than ``TOTALS_CAP``."""
    return CappedCountPaginator(qs, per_page, cap=TOTALS_CAP).get_page(page_number)


def enrolment_totals(
    qs: QuerySet[Enrolment], *, counted: int | None = None, by_institution: bool = True
) -> dict[str, Any]:
    """Figures for a list's header: enrolments, distinct pupils, institutions, fees, per status, top institutions.

    ``counted`` is how many rows of ``qs`` the page's paginator counted (``None``: count here, up to ``TOTALS_CAP``).
    Over ``TOTALS_CAP``: ``complete`` is False, ``enrolments`` is the cap with ``more``, each status is counted up
    to the cap (``(label, n, more)``), and pupils, institutions, fees and ``by_institution`` are None / empty — the
    exact figures are computed by a background job (students.exports, ``enrolment_totals_exact``). Otherwise every
    figure is exact. ``by_institution`` False leaves the per-institution table out (an operator's list is one
    institution's).
    """
    if counted is None:
        counted, _more = count_up_to(qs, TOTALS_CAP)
        if _more:
            counted += 1
    if counted > TOTALS_CAP:
        by_status = []
        for value, label in EnrolmentStatus.choices:
            n, more = count_up_to(qs.filter(status=value), TOTALS_CAP)
            by_status.append((label, n, more))
        return {
            "complete": False,
            "more": True,
            "enrolments": TOTALS_CAP,
            "students": None,
            "institutions": None,
            "fee_fen": None,
            "by_status": by_status,
            "by_institution": [],
        }
    return enrolment_totals_exact(qs, by_institution=by_institution)


def enrolment_totals_as_data(totals: dict[str, Any]) -> dict[str, Any]:
    """Exact totals as JSON for a job's result: statuses by value, so the page names them in its own language."""
    labels = {str(label): value for value, label in EnrolmentStatus.choices}
    return {
        **totals,
        "by_status": [[labels[str(label)], n] for label, n, _more in totals["by_status"]],
        "by_institution": [dict(row) for row in totals["by_institution"]],
    }


def enrolment_totals_from_data(data: dict[str, Any]) -> dict[str, Any]:
    labels = dict(EnrolmentStatus.choices)
    return {**data, "by_status": [(labels.get(value, value), n, False) for value, n in data["by_status"]]}


def enrolment_totals_exact(qs: QuerySet[Enrolment], *, by_institution: bool) -> dict[str, Any]:
    """Every header figure, exact: reads every row of ``qs`` (a background job's work over a large scope)."""
    agg = qs.order_by().aggregate(
        enrolments=Count("pk"),
        students=Count("student", distinct=True),
        institutions=Count("institution", distinct=True),
        fee_fen=Sum("total_fee_fen"),
    )
    by_status = {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("pk"))}
    return {
        "complete": True,
        "more": False,
        "enrolments": agg["enrolments"],
        "students": agg["students"],
        "institutions": agg["institutions"],
        "fee_fen": agg["fee_fen"] or 0,
        "by_status": [(label, by_status.get(value, 0), False) for value, label in EnrolmentStatus.choices],
        "by_institution": enrolment_counts_by_institution(qs) if by_institution else [],
    }


def enrolment_counts_by_institution(qs: QuerySet[Enrolment], *, limit: int = 10) -> list[dict[str, Any]]:
    """The institutions with the most enrolments in ``qs`` (a regulator's overview), with pupils and fees."""
    return list(
        qs.order_by()
        .values("institution_id", "institution__name", "division_code")
        .annotate(n=Count("pk"), students=Count("student", distinct=True), fee_fen=Sum("total_fee_fen"))
        .order_by("-n", "institution__name")[:limit]
    )


# The dashboard's live-enrolment figure counts this far and then says "N+" (as the registry's cards do): an exact
# count of a city's pending and active enrolments grew with the register on every dashboard view.
CARD_COUNT_CAP = 999


def live_enrolments_figure(user: User) -> int | str:
    """Pending and active enrolments the caller may see: exact up to ``CARD_COUNT_CAP``, else ``"999+"``."""
    n, more = count_up_to(enrolments_for_user(user).filter(status__in=LIVE_STATUSES), CARD_COUNT_CAP)
    return f"{n}+" if more else n


def children_for_parent(user: User) -> QuerySet[Student]:
    if not is_parent(user):
        return Student.objects.none()
    return Student.objects.filter(guardianships__parent=user).annotate(n_enrolments=Count("enrolments")).order_by("pk")


def child_for_parent(user: User, pk: int | str) -> Student:
    try:
        return children_for_parent(user).get(pk=pk)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def class_groups_for_operator(user: User) -> QuerySet[ClassGroup]:
    institution = operator_institution(user)
    if institution is None:
        return ClassGroup.objects.none()
    return (
        ClassGroup.objects.filter(course__institution=institution)
        .select_related("course")
        .order_by("course__name", "name")
    )


def sessions_for_operator(user: User) -> QuerySet[Session]:
    institution = operator_institution(user)
    if institution is None:
        return Session.objects.none()
    return (
        Session.objects.filter(class_group__course__institution=institution, is_cancelled=False)
        .select_related("class_group", "class_group__course")
        .annotate(
            n_present=Count("attendances", filter=Q(attendances__present=True)),
            n_recorded=Count("attendances"),
        )
        .order_by("-starts_at")
    )


def session_for_operator(user: User, pk: int | str) -> Session:
    try:
        return sessions_for_operator(user).get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def attendance_sheet(session: Session) -> list[dict[str, Any]]:
    """The session's roll: every live enrolment of its class group with what has been recorded so far."""
    enrolments = (
        Enrolment.objects.filter(class_group_id=session.class_group_id, status__in=LIVE_STATUSES)
        .select_related("student")
        .order_by("student__name", "pk")
    )
    recorded = dict(Attendance.objects.filter(session=session).values_list("enrolment_id", "present"))
    return [{"enrolment": e, "recorded": e.pk in recorded, "present": recorded.get(e.pk, False)} for e in enrolments]


def attendance_for_enrolment(enrolment: Enrolment) -> QuerySet[Attendance]:
    return enrolment.attendances.select_related("session").order_by("session__starts_at")


def enrolment_class_group_id(
    *, user: User, class_group_id: int | None, course_external_id: str, class_group_external_id: str
) -> int | None:
    """The class group an enrolment payload names, by id or by the institution's own course and class ids.

    None when the institution's ids name none: the enrolment rules then report the class group as unknown.
    """
    if class_group_id is not None:
        return class_group_id
    ids = (course_external_id, class_group_external_id)
    if all(ids) and not any("\x00" in i for i in ids):
        institution = operator_institution(user)
        return (
            ClassGroup.objects.filter(
                course__institution=institution,
                course__external_id=course_external_id,
                external_id=class_group_external_id,
            )
            .values_list("pk", flat=True)
            .first()
        )
    return None
