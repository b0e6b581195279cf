"""Every read of the courses app a person sees, already limited to what the caller may see.

Operators see their own institution's rows; regulators the rows in their jurisdiction; anything else is
empty (lists) or 404 (one object).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from shuangjian.core.access import job_for_user, operator_institution
from shuangjian.core.models import Job, User
from shuangjian.core.pagination import IdsFirstQuerySet
from shuangjian.core.permissions import can
from shuangjian.core.scope import scope_queryset
from shuangjian.registry.models import Institution

from .models import ClassGroup, Course, CourseMaterial, FilingStatus, GuidancePrice, Session, ViolationRecord


def operator_institution_or_none(user: User) -> Institution | None:
    institution: Institution | None = operator_institution(user)
    return institution


def _is_regulator(user: User) -> bool:
    return can(user, "courses.handle_violations")


def courses_for_user(user: User, q: str = "") -> QuerySet[Course]:
    """The courses in list order: by county, then institution as the institution list orders them (pinyin name
    key), then course name. A regulator's page is read by walking the institutions' (division_code, name_key, id)
    index in reach and their courses, stopping at the page: the same cost for a county of 300 institutions as of
    3 000. Ordered by institution name across counties instead, every course in reach was sorted on every view."""
    inst = operator_institution_or_none(user)
    if inst is not None:
        qs = Course.objects.filter(institution=inst)
    elif _is_regulator(user):
        # The course's own county code is its scope; the institution's, as a range alone, lets PostgreSQL start the
        # walk at the county (with the pattern beside it, it expected a fiftieth of the county and sorted it all).
        # The page's ids first (``IdsFirstQuerySet``): asked for whole rows with their institution, PostgreSQL
        # priced the wide rows over the walk and sorted the county.
        qs = scope_queryset(IdsFirstQuerySet(Course), user)
        qs = scope_queryset(qs, user, field="institution__division_code", pattern=False)
    else:
        qs = Course.objects.none()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(institution__name__icontains=q))
    return qs.select_related("institution").order_by(
        "institution__division_code", "institution__name_key", "institution_id", "name", "pk"
    )


def course_for_user(user: User, pk: int) -> Course:
    course = courses_for_user(user).filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def class_groups_for_user(user: User) -> QuerySet[ClassGroup]:
    inst = operator_institution_or_none(user)
    if inst is not None:
        qs = ClassGroup.objects.filter(course__institution=inst)
    elif _is_regulator(user):
        qs = scope_queryset(ClassGroup.objects.all(), user)
    else:
        qs = ClassGroup.objects.none()
    return qs.select_related("course", "site").order_by("course__name", "name")


def class_group_for_user(user: User, pk: int) -> ClassGroup:
    group = class_groups_for_user(user).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def sessions_for_user(user: User, class_group: ClassGroup | None = None) -> QuerySet[Session]:
    inst = operator_institution_or_none(user)
    if inst is not None:
        qs = Session.objects.filter(class_group__course__institution=inst)
    elif _is_regulator(user):
        qs = scope_queryset(Session.objects.all(), user)
    else:
        qs = Session.objects.none()
    if class_group is not None:
        qs = qs.filter(class_group=class_group)
    return qs.select_related("class_group__course").order_by("starts_at")


def session_for_user(user: User, pk: int) -> Session:
    session = sessions_for_user(user).filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def materials_queue_for_user(user: User, status: str = FilingStatus.PENDING) -> QuerySet[CourseMaterial]:
    if not _is_regulator(user):
        return CourseMaterial.objects.none()
    qs = scope_queryset(CourseMaterial.objects.all(), user).select_related("course__institution")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("uploaded_at")


def material_for_regulator(user: User, pk: int) -> CourseMaterial:
    material = materials_queue_for_user(user, status="").filter(pk=pk).first()
    if material is None:
        raise Http404
    return material


def material_for_user(user: User, pk: int) -> CourseMaterial:
    """A filed material its institution's operator or a regulator in scope may open; 404 for anyone else."""
    inst = operator_institution_or_none(user)
    if inst is not None:
        qs = CourseMaterial.objects.filter(course__institution=inst)
    else:
        qs = materials_queue_for_user(user, status="")
    material = qs.filter(pk=pk).first()
    if material is None:
        raise Http404
    return material


def violations_for_user(
    user: User, code: str = "", county: str = "", include_resolved: bool = False
) -> QuerySet[ViolationRecord]:
    if not _is_regulator(user):
        return ViolationRecord.objects.none()
    qs = scope_queryset(ViolationRecord.objects.all(), user).select_related("institution")
    if not include_resolved:
        qs = qs.filter(resolved_at__isnull=True, closed_at__isnull=True)
    if code:
        qs = qs.filter(code=code)
    if county:
        qs = qs.filter(division_code=county)
    return qs.order_by("division_code", "code", "-last_seen", "id")


def violation_for_regulator(user: User, pk: int) -> ViolationRecord:
    record = violations_for_user(user, include_resolved=True).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def open_violations_on(user: User, object_type: str, object_ids: list[int]) -> dict[int, list[ViolationRecord]]:
    """Open records about these objects, by object id: for the institution's operator and regulators in scope."""
    inst = operator_institution_or_none(user)
    if inst is not None:
        qs = ViolationRecord.objects.filter(institution=inst)
    elif _is_regulator(user):
        qs = scope_queryset(ViolationRecord.objects.all(), user)
    else:
        return {}
    found: dict[int, list[ViolationRecord]] = {}
    for record in qs.filter(
        object_type=object_type, object_id__in=object_ids, resolved_at__isnull=True, closed_at__isnull=True
    ).order_by("object_id", "code"):
        found.setdefault(record.object_id, []).append(record)
    return found


def violation_counts(qs: QuerySet[ViolationRecord]) -> list[dict[str, object]]:
    """Rows of (county, rule code, count) for the regulator's table."""
    return list(qs.order_by().values("division_code", "code").annotate(n=Count("id")).order_by("division_code", "code"))


def guidance_prices_for_user(user: User) -> QuerySet[GuidancePrice]:
    """Regulators see every benchmark above or within their jurisdiction (a county sees its province's prices)."""
    if not _is_regulator(user):
        return GuidancePrice.objects.none()
    if user.is_platform_admin or not user.scope_code:
        return GuidancePrice.objects.all()
    scope = user.scope_code
    prefixes = [scope[:n] for n in (2, 4, 6) if len(scope) >= n]
    return GuidancePrice.objects.filter(Q(division_code__in=prefixes) | Q(division_code__startswith=scope))


def scan_job_for_user(user: User, pk: int) -> Job:
    return job_for_user(user=user, pk=pk, kinds=("courses.violation_scan",))


def operator_course_id(*, user: User, course_id: int | None, course_external_id: str) -> int:
    """The course a payload names: its platform id as given (the rules check it is the operator's), or the one the
    operator's institution knows by ``course_external_id``; 404 when neither names one."""
    if course_id is not None:
        return course_id
    inst = operator_institution_or_none(user)
    found = None
    if inst is not None and course_external_id:
        found = (
            Course.objects.filter(institution=inst, external_id=course_external_id).values_list("pk", flat=True).first()
        )
    if found is None:
        raise Http404
    return found


def operator_class_group(
    *, user: User, class_group_id: int | None, course_external_id: str, class_group_external_id: str
) -> ClassGroup:
    """The operator's class group a payload names, by platform id or by the institution's own ids; else 404."""
    inst = operator_institution_or_none(user)
    if inst is None:
        raise Http404
    qs = ClassGroup.objects.select_related("course").filter(course__institution=inst)
    group = None
    if class_group_id is not None:
        group = qs.filter(pk=class_group_id).first()
    elif course_external_id and class_group_external_id:
        group = qs.filter(course__external_id=course_external_id, external_id=class_group_external_id).first()
    if group is None:
        raise Http404
    return group
