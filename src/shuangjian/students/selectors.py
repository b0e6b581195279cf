"""Every read a person sees in the students app, already restricted to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from shuangjian.core import access
from shuangjian.core.models import User
from shuangjian.core.permissions import is_county_staff, is_operator, is_parent, is_school_admin
from shuangjian.core.scope import scope_queryset
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
        qs = qs.filter(division_code__startswith=division)
    return qs.order_by("-created_at", "-pk")


def enrolment_totals(qs: QuerySet[Enrolment]) -> dict[str, Any]:
    """Counts for a list's header: enrolments, distinct pupils, institutions, fees, and per status."""
    agg = qs.aggregate(
        enrolments=Count("pk"),
        students=Count("student", distinct=True),
        institutions=Count("institution", distinct=True),
        fee_fen=Sum("total_fee_fen"),
    )
    by_status = {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("pk"))}
    agg["fee_fen"] = agg["fee_fen"] or 0
    agg["by_status"] = [(label, by_status.get(value, 0)) for value, label in EnrolmentStatus.choices]
    return agg


def enrolment_counts_by_institution(qs: QuerySet[Enrolment], *, limit: int = 10) -> list[dict[str, Any]]:
    """The institutions with the most enrolments in ``qs`` (a regulator's overview), with pupils and fees."""
    return list(
        qs.order_by()
        .values("institution_id", "institution__name", "division_code")
        .annotate(n=Count("pk"), students=Count("student", distinct=True), fee_fen=Sum("total_fee_fen"))
        .order_by("-n", "institution__name")[:limit]
    )


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
